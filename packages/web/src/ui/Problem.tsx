/**
 * What went wrong with the action just tried, announced to screen readers as it appears. Every form
 * shows its failure through this, so a failure looks and is announced the same everywhere.
 */
export function Problem({ text }: { text: string | undefined }) {
  if (text === undefined) return null;
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}
