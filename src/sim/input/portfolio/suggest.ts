/** Edit distance (insert, delete, substitute), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[y.length];
}

/** The candidate a typo most likely meant, if any is close enough to be a typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** "a, b, c and 11 more": the candidates nearest to word first, when one is given. */
export function listSome(candidates: readonly string[], word?: string, shown = 6): string {
  const ordered = word === undefined ? [...candidates] : [...candidates].sort((a, b) => editDistance(word, a) - editDistance(word, b));
  const head = ordered
    .slice(0, shown)
    .map((c) => `'${c}'`)
    .join(", ");
  return ordered.length > shown ? `${head} and ${ordered.length - shown} more` : head;
}
