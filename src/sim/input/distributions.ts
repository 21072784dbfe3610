import type { Rng } from "./prng.js";

/** Inter-arrival families that ServeGen fits per window. */
export type GapFamily = "Gamma" | "Weibull" | "Exponential";

/**
 * Draws gaps with mean 1 and the family's shape, so callers set the rate by dividing by it.
 * Only the shape survives: the fitted scale is replaced by whatever makes the mean match the rate.
 */
export function unitMeanSampler(family: GapFamily, shape: number): (rng: Rng) => number {
  if (family === "Exponential" || (family === "Gamma" && shape === 1)) return (rng) => -Math.log(rng.uniform());
  if (family === "Gamma") {
    const draw = gammaSampler(shape);
    return (rng) => draw(rng) / shape;
  }
  const norm = Math.exp(logGamma(1 + 1 / shape));
  const power = 1 / shape;
  return (rng) => Math.pow(-Math.log(rng.uniform()), power) / norm;
}

/** Gamma(shape, scale 1) by Marsaglia and Tsang; shapes below 1 draw Gamma(shape + 1) · u^(1/shape). */
export function gammaSampler(shape: number): (rng: Rng) => number {
  const boost = shape < 1;
  const d = (boost ? shape + 1 : shape) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  const invShape = 1 / shape;
  return (rng) => {
    let g: number;
    for (;;) {
      const x = rng.normal();
      let v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const u = rng.uniform();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
        g = d * v;
        break;
      }
    }
    return boost ? g * Math.pow(rng.uniform(), invShape) : g;
  };
}

const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7): about 15 significant digits. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = lanczos[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += lanczos[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
