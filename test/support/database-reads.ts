import { enableLogging } from 'firebase-admin/database';

/**
 * The paths this process's admin SDK asks the database for (gets and listens), from the SDK's
 * own protocol log: what the server is asked to send, whatever server it is. A query for one
 * key (orderByKey().equalTo(key), as readOnce reads) asks for that child alone.
 */
export function recordReadPaths(): string[] {
  const paths: string[] = [];
  enableLogging((line: string) => {
    const match = /\{"r":\d+,"a":"[gq]","b":(\{.*\})\}\s*$/.exec(line);
    if (match?.[1] === undefined) return;
    const { p, q } = JSON.parse(match[1]) as { p: string; q?: Record<string, unknown> };
    const oneKey = q?.i === '.key' && typeof q.sp === 'string' && q.sp === q.ep ? q.sp : undefined;
    paths.push(oneKey === undefined ? p : `${p === '/' ? '' : p}/${oneKey}`);
  });
  return paths;
}
