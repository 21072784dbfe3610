/** The registry an image reference pulls from: its first part when that names a host, else Docker Hub. */
export function registryOf(image: string): string {
  const slash = image.indexOf("/");
  if (slash > 0) {
    const first = image.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") return first.toLowerCase();
  }
  return "docker.io";
}

/** True when containers.allowedRegistries lets images be pulled from this registry. */
export function registryAllowed(registry: string, allowed: string[]): boolean {
  const host = registry.replace(/:\d+$/, "");
  return allowed.some((pattern) => {
    if (pattern === "*") return true;
    if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) || registry.endsWith(pattern.slice(1));
    return pattern === registry || (!pattern.includes(":") && pattern === host && !registry.includes(":"));
  });
}
