/** What a misconfigured page shows instead of the app: every problem, by the setting's name. */
export function ConfigErrors({ problems }: { problems: readonly string[] }) {
  return (
    <main className="panel config-errors" role="alert" aria-labelledby="config-errors-title">
      <h1 id="config-errors-title">This page is not configured</h1>
      <p>
        Set these in <code>window.__CHATSPHERES_CONFIG__</code> or as <code>data-*</code> attributes
        on <code>&lt;body&gt;</code>:
      </p>
      <ul>
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </main>
  );
}
