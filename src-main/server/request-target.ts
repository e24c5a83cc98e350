/**
 * The request target (`req.url`) split into path and query without `new URL`, which throws on
 * targets such as `//x:abc`, `//[` or `//%` (it reads `//…` as a host). Never throws: whatever a
 * client sends, the caller gets a path to route on and a query to read.
 */

export interface RequestTarget {
  /** Always starts with `/`; `*` and absolute-form targets become `/` plus what follows. */
  pathname: string;
  query: URLSearchParams;
}

export function parseRequestTarget(raw: string | undefined): RequestTarget {
  const target = raw ?? '/';
  const hash = target.indexOf('#');
  const withoutHash = hash === -1 ? target : target.slice(0, hash);
  const mark = withoutHash.indexOf('?');
  const rawPath = mark === -1 ? withoutHash : withoutHash.slice(0, mark);
  const rawQuery = mark === -1 ? '' : withoutHash.slice(mark + 1);
  // URLSearchParams decodes leniently: a stray `%` stays as it is instead of throwing.
  return { pathname: rawPath.startsWith('/') ? rawPath : `/${rawPath}`, query: new URLSearchParams(rawQuery) };
}
