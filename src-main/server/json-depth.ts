/**
 * How deeply a parsed JSON value nests, measured without recursion: a 20,000-level body must be
 * refused, and a recursive walk over it would itself overflow the stack.
 */

/** True when `value` nests deeper than `maxDepth` (a scalar is depth 0, `{}` and `[]` depth 1). */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const inner = depth + 1;
    if (inner > maxDepth) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ node: child, depth: inner });
  }
  return false;
}
