/**
 * The pair in the order run `run` takes it: swapped every other run, so that neither side always
 * goes first (onto warmer caches, or into a quieter moment of a shared machine).
 */
export function inRunOrder<T>(run: number, pair: readonly [T, T]): readonly [T, T] {
  return run % 2 === 0 ? pair : [pair[1], pair[0]];
}
