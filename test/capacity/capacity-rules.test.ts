import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setCopyCount, setVariantCapacity, variantInstanceRoom } from "../../src/domain/capacity-rules.js";
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
});
