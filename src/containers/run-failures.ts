/** What to do about an engine's own refusal to start a container, recognised from its last output lines. */
const known: { match: RegExp; advice: string }[] = [
  {
    match: /container-init binary not found|catatonit/i,
    advice: "podman's --init needs catatonit on this host: apt-get install catatonit (or set init_path under [containers] in containers.conf).",
  },
  {
    match: /setrlimit|error setting rlimit/i,
    advice:
      "the engine cannot apply its default ulimits here: set default_ulimits under [containers] in containers.conf to values within this host's hard limits (ulimit -Hn, ulimit -Hu).",
  },
  {
    match: /cgroups in hybrid mode not supported/i,
    advice: 'crun refuses this host\'s cgroups: install runc and set runtime = "runc" under [engine] in containers.conf.',
  },
  {
    match: /nvidia\.com\/gpu|cdi|could not select device driver/i,
    advice:
      "the engine cannot expose GPUs: install the NVIDIA container toolkit and generate the CDI spec (nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml), or for docker configure the nvidia runtime.",
  },
  {
    match: /image not known|no such image|unable to find image/i,
    advice: "the image is no longer on this host: pull or load it again, or update the component.",
  },
];

export function runFailureAdvice(output: string[]): string | undefined {
  const text = output.slice(-5).join("\n");
  return known.find((k) => k.match.test(text))?.advice;
}
