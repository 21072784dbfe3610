import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setCopyCount, setVariantCapacity, variantCopies, variantInstanceRoom } from "../../src/domain/capacity-rules.js";
import { capacityRefusalReason } from "../../src/domain/errors/capacity.js";
import type { ComponentRecord, ComponentStatus, EndpointRecord, EndpointStatus } from "../../src/domain/resources.js";

const quotas = { maxCopiesPerComponent: 8, maxInstancesPerEndpoint: 6 };
const now = 1_000_000;

function component(status: ComponentStatus, extra: Partial<ComponentRecord> = {}): ComponentRecord {
  return { name: "ic", status, desiredCopyCount: 2, resolved: {}, lastModifiedAt: 0, ...extra } as unknown as ComponentRecord;
}

function endpoint(status: EndpointStatus): EndpointRecord {
  return {
    name: "ep",
    arn: "arn:aws:sagemaker:us-east-1:000000000000:endpoint/ep",
    status,
    lastModifiedAt: 0,
    current: { variants: { a: { desiredInstanceCount: 2, desiredWeight: 1 }, b: { desiredInstanceCount: 1, desiredWeight: 1 } } },
  } as unknown as EndpointRecord;
}

describe("capacity rules: a component's copy count", () => {
  const table: { status: ComponentStatus; extra?: Partial<ComponentRecord>; copies?: number; result: ComponentStatus | string }[] = [
    { status: "InService", result: "Updating" },
    { status: "Failed", result: "Updating" },
    { status: "Creating", result: "Creating" },
    { status: "Updating", result: "Updating" },
    { status: "Deleting", result: "ComponentDeleting" },
    { status: "Updating", extra: { rollout: {} as ComponentRecord["rollout"] }, result: "RolloutInProgress" },
    { status: "InService", extra: { resolved: { baseComponentName: "base" } as unknown as ComponentRecord["resolved"] }, result: "AdapterHasNoCopies" },
    { status: "InService", copies: 9, result: "CopyQuota" },
  ];
  for (const row of table) {
    const what = `${row.status}${row.extra ? ` (${Object.keys(row.extra).join(", ")})` : ""}${row.copies ? ` asking ${row.copies}` : ""}`;
    it(`${what} → ${row.result}`, () => {
      const change = setCopyCount(component(row.status, row.extra), row.copies ?? 3, quotas, now);
      if (change.ok) {
        assert.equal(change.record.status, row.result);
        assert.equal(change.record.desiredCopyCount, 3);
        assert.equal(change.record.lastModifiedAt, now);
        assert.equal(change.changed, true);
      } else assert.equal(change.refusal.code, row.result);
    });
  }

  it("clears the status a quota-failed component resumes, and reports an unchanged count", () => {
    const change = setCopyCount(component("Failed", { resumeStatus: "InService" }), 2, quotas, now);
    assert.ok(change.ok);
    assert.equal(change.record.resumeStatus, undefined);
    assert.equal(change.changed, false);
  });
});

describe("capacity rules: a variant's instances and weight", () => {
  for (const status of ["Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting", "Failed"] as EndpointStatus[]) {
    it(`refuses while the endpoint is ${status}`, () => {
      const change = setVariantCapacity(endpoint(status), [{ variant: "a", instances: 3 }], quotas, now);
      assert.ok(!change.ok);
      assert.deepEqual(change.refusal, { code: "EndpointNotInService", endpoint: "ep", endpointArn: endpoint(status).arn, status });
    });
  }

  it("sets instances and weight of an InService endpoint, which becomes Updating", () => {
    const change = setVariantCapacity(endpoint("InService"), [{ variant: "a", instances: 4, weight: 2 }], quotas, now);
    assert.ok(change.ok);
    assert.equal(change.record.status, "Updating");
    assert.deepEqual(change.record.current.variants.a, { desiredInstanceCount: 4, desiredWeight: 2 });
    assert.deepEqual(change.record.current.variants.b, { desiredInstanceCount: 1, desiredWeight: 1 });
    assert.equal(change.changed, true);
  });

  it("keeps an InService endpoint InService when nothing changes", () => {
    const change = setVariantCapacity(endpoint("InService"), [{ variant: "a", instances: 2, weight: 1 }], quotas, now);
    assert.ok(change.ok);
    assert.equal(change.record.status, "InService");
    assert.equal(change.changed, false);
  });

  it("refuses a variant the endpoint does not have, naming the ones it has", () => {
    const change = setVariantCapacity(endpoint("InService"), [{ variant: "c", instances: 1 }], quotas, now);
    assert.ok(!change.ok);
    assert.deepEqual(change.refusal, { code: "VariantNotFound", endpoint: "ep", variant: "c", variants: ["a", "b"] });
  });

  it("refuses more instances than the endpoint may have, summed over its variants", () => {
    const change = setVariantCapacity(endpoint("InService"), [{ variant: "a", instances: 6 }], quotas, now);
    assert.ok(!change.ok);
    assert.equal(change.refusal.code, "InstanceQuota");
    assert.equal(variantInstanceRoom(endpoint("InService"), "a", quotas), 5);
  });

  describe("a lowered count and the copies the variant's inference components want", () => {
    const needs = (accelerators: number) => ({ accelerators, cpuMillis: 1000, memoryMiB: 1024 });
    const onA = (name: string, copies: number, accelerators: number, extra: Partial<ComponentRecord> = {}) =>
      component("InService", {
        name,
        variantName: "a",
        desiredCopyCount: copies,
        resolved: { needs: needs(accelerators) },
        ...extra,
      } as Partial<ComponentRecord>);
    const instance = { type: "ml.g5.12xlarge", capacity: { accelerators: 4, cpuMillis: 48_000, memoryMiB: 176_947 } };
    const lower = (instances: number, components: ComponentRecord[], known = true) =>
      setVariantCapacity(endpoint("InService"), [{ variant: "a", instances }], quotas, now, (v) => variantCopies(v, components, known ? instance : undefined));

    it("refuses 0 instances while a component wants a copy, whatever the instances offer", () => {
      for (const known of [true, false]) {
        const change = lower(0, [onA("chat", 1, 1)], known);
        assert.ok(!change.ok);
        assert.equal(change.refusal.code, "CopiesNeedInstances");
        assert.match(
          capacityRefusalReason(change.refusal),
          /^Variant 'a' of endpoint 'ep' cannot go to 0 instances: its inference components still want copies \(chat: 1 copy\)/,
        );
      }
    });

    it("allows 0 instances once no component wants a copy: at 0 copies, being deleted, adapters, other variants", () => {
      const components = [
        onA("idle", 0, 1),
        onA("going", 2, 1, { status: "Deleting" }),
        onA("adapter", 1, 0, { resolved: { needs: needs(0), baseComponentName: "idle" } } as Partial<ComponentRecord>),
        { ...onA("elsewhere", 3, 1), variantName: "b" },
      ];
      const change = lower(0, components);
      assert.ok(change.ok);
      assert.equal(change.record.current.variants.a!.desiredInstanceCount, 0);
    });

    it("refuses fewer instances than the copies need in sum, saying how many", () => {
      const change = lower(1, [onA("big", 1, 3), onA("small", 2, 1)]);
      assert.ok(!change.ok);
      assert.deepEqual(change.refusal, {
        code: "CopiesNeedInstances",
        endpoint: "ep",
        variant: "a",
        requested: 1,
        minimum: 2,
        copies: [
          { component: "big", copies: 1, needs: needs(3) },
          { component: "small", copies: 2, needs: needs(1) },
        ],
        shortOf: "accelerator devices: 5 in all, 4 on each ml.g5.12xlarge instance",
      });
      assert.match(capacityRefusalReason(change.refusal), /need at least 2 instances .* Or raise MinCapacity to 2\.$/);
    });

    it("allows a lowered count the copies fit in sum, and never refuses a raise", () => {
      assert.ok(lower(1, [onA("big", 1, 3), onA("small", 1, 1)]).ok);
      const raise = setVariantCapacity(endpoint("InService"), [{ variant: "a", instances: 3 }], quotas, now, (v) =>
        variantCopies(v, [onA("huge", 8, 4)], instance),
      );
      assert.ok(raise.ok);
    });
  });
});
