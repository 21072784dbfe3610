/**
 * Faults the suite finds whose fixes belong to other parts of issue 9 and land on other branches.
 * Cases tagged with one of these are generated but not sent, and the suite prints how many were held
 * back. Once those branches are merged, empty this set so every case runs.
 */
export const awaitingFixes = new Set<string>([]);
