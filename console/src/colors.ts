/** One colour per model (component), stable while the set of names is: hues spread by the golden angle in name order. */
export function modelColors(names: string[]): Map<string, string> {
  const sorted = [...new Set(names)].sort();
  return new Map(sorted.map((name, i) => [name, `hsl(${Math.round((i * 137.508) % 360)} 65% ${i % 2 ? 48 : 58}%)`]));
}

interface Owned {
  owner: string;
  ownerType: "inference-component" | "variant";
}

/** What a copy runs for: its component, or for a single-model endpoint's copy, the endpoint and variant. */
export function ownerLabel(endpointName: string, copy: Owned): string {
  return copy.ownerType === "variant" ? `${endpointName}/${copy.owner}` : copy.owner;
}
