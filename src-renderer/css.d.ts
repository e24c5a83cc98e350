// Side-effect CSS imports are bundled by vite; TypeScript only needs to know they exist.
declare module '*.css';

// Images imported by the UI become URLs of the bundled files.
declare module '*.svg' {
  const url: string;
  export default url;
}
