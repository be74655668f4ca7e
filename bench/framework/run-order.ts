/**
 * The steps in the order run `run` takes them: rotated by one every run (a pair is swapped every
 * other run), so that no side always goes first (onto warmer caches, or into a quieter moment of
 * a shared machine).
 */
export function inRunOrder<T>(run: number, steps: readonly T[]): T[] {
  const shift = run % steps.length;
  return [...steps.slice(shift), ...steps.slice(0, shift)];
}
