export * from './agent';
export * from './errors';
export * from './events';
export * from './keys';
export * from './limits';
