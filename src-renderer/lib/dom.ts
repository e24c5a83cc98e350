/**
 * A tiny DOM builder: `h('button', { class: 'primary', onclick }, 'Save')`. The UI is small enough
 * that a framework would mostly add weight; components are classes that own an element and update
 * it in place.
 */

type EventHandlers = {
  [K in keyof HTMLElementEventMap as `on${K}`]?: (event: HTMLElementEventMap[K]) => void;
};

export interface Props extends EventHandlers {
  class?: string | (string | false | undefined | null)[];
  id?: string;
  title?: string;
  role?: string;
  tabIndex?: number;
  hidden?: boolean;
  disabled?: boolean;
  type?: string;
  value?: string;
  placeholder?: string;
  href?: string;
  htmlFor?: string;
  name?: string;
  checked?: boolean;
  dataset?: Record<string, string>;
  /** aria-* and other attributes, set verbatim. */
  attrs?: Record<string, string | number | boolean | undefined>;
  style?: Partial<Record<'width' | 'height' | 'left' | 'top' | 'display' | 'transform' | 'fontSize', string>>;
}

export type Child = Node | string | number | false | null | undefined | Child[];

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
    return;
  }
  parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === 'class') {
      const classes = Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string' && c !== '') : String(value).split(/\s+/).filter(Boolean);
      if (classes.length > 0) el.classList.add(...classes);
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value as Record<string, string>)) el.dataset[k] = v;
    } else if (key === 'attrs') {
      for (const [k, v] of Object.entries(value as Record<string, string | number | boolean | undefined>)) {
        if (v === undefined || v === false) continue;
        el.setAttribute(k, v === true ? '' : String(v));
      }
    } else if (key === 'style') {
      Object.assign(el.style, value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (key === 'htmlFor') {
      el.setAttribute('for', String(value));
    } else {
      // Known DOM properties (id, title, type, value, disabled, …).
      (el as unknown as Record<string, unknown>)[key] = value;
    }
  }
  append(el, children);
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function replaceChildren(el: Element, ...children: Child[]): void {
  clear(el);
  append(el, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An inline SVG from trusted, static path data (never from runtime data). */
export function svg(viewBox: string, paths: string[], className = 'icon'): SVGSVGElement {
  const el = document.createElementNS(SVG_NS, 'svg');
  el.setAttribute('viewBox', viewBox);
  el.setAttribute('aria-hidden', 'true');
  el.setAttribute('focusable', 'false');
  el.setAttribute('class', className);
  for (const d of paths) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    el.appendChild(path);
  }
  return el;
}

/** True when keyboard focus is in something that takes text (so single-key shortcuts stay off). */
export function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest('.xterm')) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color'].includes(target.type);
  }
  return false;
}
