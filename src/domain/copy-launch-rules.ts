/**
 * What a model copy may be started with. A copy that runs as a process on the host shares its dynamic
 * loader, interpreters and shell with everything else there, so environment variables that make a
 * loader or interpreter run extra code are refused for it; a copy inside a container may set them.
 */

/** Exact names refused for process copies: loaders and interpreters read code or search paths from them. */
export const refusedVariableNames: readonly string[] = [
  "PATH",
  "IFS",
  "ENV",
  "BASH_ENV",
  "CDPATH",
  "GLOBIGNORE",
  "SHELLOPTS",
  "BASHOPTS",
  "PS4",
  "PROMPT_COMMAND",
  "NODE_OPTIONS",
  "NODE_PATH",
  "NODE_EXTRA_CA_CERTS",
  "NODE_REPL_EXTERNAL_MODULE",
  "NODE_PENDING_DEPRECATION",
  "PYTHONPATH",
  "PYTHONSTARTUP",
  "PYTHONHOME",
  "PYTHONINSPECT",
  "PYTHONUSERBASE",
  "PYTHONEXECUTABLE",
  "PYTHONWARNINGS",
  "PYTHONBREAKPOINT",
  "PYTHONPYCACHEPREFIX",
  "PYTHONPLATLIBDIR",
  "PERL5LIB",
  "PERL5OPT",
  "PERLLIB",
  "PERL5DB",
  "PERL_MB_OPT",
  "PERL_MM_OPT",
  "RUBYOPT",
  "RUBYLIB",
  "GEM_PATH",
  "GEM_HOME",
  "BUNDLE_GEMFILE",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "CLASSPATH",
  "JAVA_HOME",
  "GCONV_PATH",
  "LOCPATH",
  "NLSPATH",
  "HOSTALIASES",
  "RESOLV_HOST_CONF",
  "RES_OPTIONS",
  "LOCALDOMAIN",
  "TZDIR",
  "GIT_EXEC_PATH",
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_CONFIG",
  "GIT_ASKPASS",
  "SSH_ASKPASS",
  "EDITOR",
  "VISUAL",
  "PAGER",
  "BROWSER",
  "OPENSSL_CONF",
  "OPENSSL_ENGINES",
  "OPENSSL_MODULES",
  "SSLKEYLOGFILE",
  "LUA_PATH",
  "LUA_CPATH",
  "LUA_INIT",
  "TCLLIBPATH",
  "R_PROFILE",
  "R_PROFILE_USER",
  "R_ENVIRON",
  "R_ENVIRON_USER",
  "PHPRC",
  "PHP_INI_SCAN_DIR",
  "HOME",
  "TMPDIR",
  "SHELL",
  "USER",
  "LOGNAME",
];

/**
 * Name prefixes refused for process copies: the dynamic loader (LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH...),
 * macOS's dyld, glibc's malloc and tunables (GLIBC_TUNABLES), exported bash functions, and Berth's own markers.
 */
export const refusedVariablePrefixes: readonly string[] = ["LD_", "DYLD_", "MALLOC_", "GLIBC_", "BASH_FUNC_", "BERTH_"];

const refusedExact = new Set(refusedVariableNames);

export function isRefusedForProcessCopies(name: string): boolean {
  const upper = name.toUpperCase();
  return refusedExact.has(upper) || refusedVariablePrefixes.some((prefix) => upper.startsWith(prefix));
}

/** The refused names in an environment, in the order given. */
export function refusedVariables(environment: Record<string, string>): string[] {
  return Object.keys(environment).filter(isRefusedForProcessCopies);
}

/** A name or value the operating system cannot pass to a process (execve takes NUL-terminated strings; '=' ends a name). */
export function unpassableVariable(environment: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(environment)) {
    if (name === "" || name.includes("\0") || name.includes("=")) return name;
    if (typeof value !== "string" || value.includes("\0")) return name;
  }
  return undefined;
}

// The distribution reference grammar (registry[:port]/path[:tag][@digest]), as docker and podman parse it.
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
const pathComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const imageReference = new RegExp(`^(?:${domain}/)?${pathComponent}(?:/${pathComponent})*(?::${tag})?(?:@${digest})?$`);

/** True when an image name is a container image reference: never an option, never whitespace or control characters. */
export function isImageReference(image: string): boolean {
  return image.length > 0 && image.length <= 255 && imageReference.test(image);
}
