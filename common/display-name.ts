/**
 * Display names, as participants see them on tiles and in "started by": shared by the
 * controller, which puts one in each LiveKit token, and the SPA, which shows them.
 */

/** The longest name shown, in code points. */
export const DISPLAY_NAME_MAX = 64;

// Control and format characters (bidi overrides, zero-width joiners) and line breaks: they let
// a name rewrite the text around it or pose as another, longer one.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** The name with invisible characters removed and whitespace collapsed; '' when none is left. */
export function cleanDisplayName(raw: string): string {
  return raw.replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
}

/** Why a name cannot be shown, or undefined when `cleanDisplayName` of it can. */
export function displayNameProblem(raw: string): string | undefined {
  const clean = cleanDisplayName(raw);
  if (clean === '') return 'name must have a visible character';
  if ([...clean].length > DISPLAY_NAME_MAX) {
    return `name must be at most ${DISPLAY_NAME_MAX} characters`;
  }
  return undefined;
}
