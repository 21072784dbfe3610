import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ConsoleSnapshot } from "./api.js";
import { ownerLabel } from "./colors.js";

type Instance = ConsoleSnapshot["instances"][number];
type Copy = Instance["copies"][number];

const tileW = 236;
const tileH = 92;
const gap = 8;
const free = "#e6e9ee";

interface Hit {
  x: number;
  y: number;
  w: number;
  h: number;
  text: string;
}

/**
 * Every instance as a tile: its accelerators (a whole copy fills a slot, shares split it by accelerator
 * memory), then CPU and memory bars, filled by copies in their model's colour. One canvas, so 100
 * instances and 1,000 copies draw in a few milliseconds; a hover names what is under the pointer.
 */
export function PackingMap(props: { instances: Instance[]; colors: Map<string, string> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(960);
  const [tip, setTip] = useState<{ x: number; y: number; text: string }>();
  const hits = useRef<Hit[]>([]);
  const instances = useMemo(
    () => [...props.instances].sort((a, b) => a.endpointName.localeCompare(b.endpointName) || a.instanceId.localeCompare(b.instanceId)),
    [props.instances],
  );

  useEffect(() => {
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(tileW, Math.floor(entry!.contentRect.width))));
    observer.observe(box.current!);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const element = canvas.current!;
    const columns = Math.max(1, Math.floor((width + gap) / (tileW + gap)));
    const rows = Math.max(1, Math.ceil(instances.length / columns));
    const height = rows * (tileH + gap);
    const ratio = window.devicePixelRatio || 1;
    element.width = width * ratio;
    element.height = height * ratio;
    element.style.width = `${width}px`;
    element.style.height = `${height}px`;
    const ctx = element.getContext("2d")!;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const found: Hit[] = [];
    const started = performance.now();
    instances.forEach((instance, i) =>
      drawInstance(ctx, instance, (i % columns) * (tileW + gap), Math.floor(i / columns) * (tileH + gap), props.colors, found),
    );
    hits.current = found;
    element.dataset.drawMs = (performance.now() - started).toFixed(1);
  }, [instances, width, props.colors]);

  const onMove = (event: MouseEvent) => {
    const rect = canvas.current!.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    const hit = hits.current.findLast((h) => x >= h.x && x < h.x + h.w && y >= h.y && y < h.y + h.h);
    setTip(hit ? { x: x + 12, y: y + 12, text: hit.text } : undefined);
  };

  return (
    <div class="map" ref={box}>
      {instances.length === 0 && <p class="empty">No instances yet: create an endpoint.</p>}
      <canvas ref={canvas} role="img" aria-label={`Packing map: ${instances.length} instances`} onMouseMove={onMove} onMouseLeave={() => setTip(undefined)} />
      {tip && (
        <div class="tip" style={{ left: `${tip.x}px`, top: `${tip.y}px` }}>
          {tip.text}
        </div>
      )}
    </div>
  );
}

function copyText(instance: Instance, copy: Copy): string {
  const share = copy.share
    ? `, ${copy.share.memoryMiB} MiB of accelerator ${copy.devices[0]}`
    : copy.devices.length
      ? `, accelerators ${copy.devices.join(",")}`
      : "";
  return `${ownerLabel(instance.endpointName, copy)} · ${copy.copyId}\n${copy.phase}${copy.state === "Draining" ? " (draining)" : ""}${share}\n${copy.cpuCores} CPU, ${copy.memoryMiB} MiB${copy.lastError ? `\n${copy.lastError}` : ""}`;
}

/** A copy's rectangle: its model's colour, pale until ready or while draining, outlined red once failed. */
function paint(
  ctx: CanvasRenderingContext2D,
  instance: Instance,
  copy: Copy | undefined,
  colors: Map<string, string>,
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  ctx.globalAlpha = copy && (copy.phase !== "Ready" || copy.state === "Draining") ? 0.45 : 1;
  ctx.fillStyle = copy ? (colors.get(ownerLabel(instance.endpointName, copy)) ?? "#888") : free;
  ctx.fillRect(x, y, w, h);
  if (copy?.phase !== "Failed") return;
  ctx.globalAlpha = 1;
  ctx.strokeStyle = "#c92a2a";
  ctx.lineWidth = 2;
  ctx.strokeRect(x + 1, y + 1, Math.max(0, w - 2), Math.max(0, h - 2));
}

function drawInstance(ctx: CanvasRenderingContext2D, instance: Instance, x: number, y: number, colors: Map<string, string>, hits: Hit[]): void {
  const byId = new Map(instance.copies.map((c) => [c.copyId, c]));
  ctx.globalAlpha = 1;
  ctx.fillStyle = "#fff";
  ctx.strokeStyle = instance.state === "InService" ? "#c3c9d2" : "#e0a030";
  ctx.lineWidth = 1;
  ctx.fillRect(x, y, tileW, tileH);
  ctx.strokeRect(x + 0.5, y + 0.5, tileW - 1, tileH - 1);
  ctx.fillStyle = "#1d2430";
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(`${instance.instanceType} · ${instance.instanceId}`.slice(0, 40), x + 6, y + 13, tileW - 12);
  hits.push({
    x,
    y,
    w: tileW,
    h: 18,
    text: `${instance.instanceId} (${instance.instanceType}, ${instance.state})\nendpoint ${instance.endpointName}\n${instance.copies.length} copies`,
  });

  const slotsY = y + 20;
  const slotsH = 34;
  const n = instance.devices.length;
  if (n === 0) {
    ctx.fillStyle = "#8a94a3";
    ctx.fillText("no accelerators", x + 6, slotsY + 20);
  }
  const slotW = n ? (tileW - 12 - (n - 1) * 3) / n : 0;
  instance.devices.forEach((device, d) => {
    const sx = x + 6 + d * (slotW + 3);
    if (device.shares) {
      let sy = slotsY + slotsH;
      ctx.globalAlpha = 1;
      ctx.fillStyle = free;
      ctx.fillRect(sx, slotsY, slotW, slotsH);
      for (const share of device.shares) {
        const h = (share.memoryMiB / device.memoryMiB) * slotsH;
        sy -= h;
        const copy = byId.get(share.copyId);
        paint(ctx, instance, copy, colors, sx, sy, slotW, Math.max(1, h - 1));
        if (copy) hits.push({ x: sx, y: sy, w: slotW, h, text: copyText(instance, copy) });
      }
    } else {
      const copy = device.heldBy ? byId.get(device.heldBy) : undefined;
      paint(ctx, instance, copy, colors, sx, slotsY, slotW, slotsH);
      if (copy) hits.push({ x: sx, y: slotsY, w: slotW, h: slotsH, text: copyText(instance, copy) });
      else hits.push({ x: sx, y: slotsY, w: slotW, h: slotsH, text: `accelerator ${device.index} (${device.name}, ${device.memoryMiB} MiB): free` });
    }
  });
  bar(ctx, "CPU", instance, (c) => c.cpuCores, instance.capacity.cpuCores, x, y + 60, colors, hits);
  bar(ctx, "Mem", instance, (c) => c.memoryMiB, instance.capacity.memoryMiB, x, y + 75, colors, hits);
  ctx.globalAlpha = 1;
}

function bar(
  ctx: CanvasRenderingContext2D,
  label: string,
  instance: Instance,
  amount: (c: Copy) => number,
  capacity: number,
  x: number,
  y: number,
  colors: Map<string, string>,
  hits: Hit[],
): void {
  const left = x + 34;
  const width = tileW - 40;
  ctx.globalAlpha = 1;
  ctx.fillStyle = "#5b6574";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(label, x + 6, y + 9);
  ctx.fillStyle = free;
  ctx.fillRect(left, y, width, 11);
  let at = left;
  for (const copy of instance.copies) {
    const w = capacity > 0 ? (amount(copy) / capacity) * width : 0;
    paint(ctx, instance, copy, colors, at, y, Math.max(0.5, w - 0.5), 11);
    hits.push({ x: at, y, w, h: 11, text: copyText(instance, copy) });
    at += w;
  }
}
