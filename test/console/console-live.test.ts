import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, UpdateInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import type { Browser, Page } from "playwright-core";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, waitForComponent, waitForEndpoint } from "../support/fixtures.js";
import { launchChromium, watchedPage } from "./browser.js";
import { tempDir } from "../support/temp-dir.js";

/**
 * The README's screenshots are taken by this test. They go to docs/ only with BERTH_WRITE_SCREENSHOTS=1,
 * so an ordinary test run leaves the checkout as it was.
 */
const docs = process.env.BERTH_WRITE_SCREENSHOTS === "1" ? fileURLToPath(new URL("../../../docs/", import.meta.url)) : `${tempDir("berth-console-shots-")}/`;

describe("the web console, live against a real server", () => {
  let berth: BerthProcess;
  let browser: Browser;
  // The server is this file's own, so the names can be the ones the README's screenshots show. Each test
  // that changes a component has its own; the others are left as before() made them.
  const endpoint = "shop";

  before(async () => {
    [berth, browser] = await Promise.all([startBerth({ config: { scalingPeriodSeconds: 1 } }), launchChromium()]);
    await createIcEndpoint(berth.sagemaker, { name: endpoint, instanceType: "ml.g5.12xlarge", instanceCount: 2 });
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name: "chat", copies: 1, accelerators: 1, cpu: 8, memory: 32768 }));
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name: "embed", copies: 2, accelerators: 1, cpu: 4, memory: 16384 }));
    // Berth's fractional accelerators: each copy takes a third of one A10G's 24 GiB.
    await createComponent(berth.sagemaker, {
      ...echoComponent(endpoint, { name: "rerank", copies: 3, accelerators: 1, cpu: 2, memory: 8192 }),
      Tags: [{ Key: "berth:AcceleratorMemoryRequiredInMb", Value: "8192" }],
    });
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name: "vision", copies: 1, accelerators: 1, cpu: 8, memory: 32768 }));
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name: "classify", copies: 1, accelerators: 0, cpu: 2, memory: 4096 }));
    await createComponent(berth.sagemaker, echoComponent(endpoint, { name: "summarize", copies: 2, accelerators: 0, cpu: 2, memory: 4096 }));
    // A single-model endpoint, whose copies belong to its variant.
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: "legacy-model", PrimaryContainer: { Image: "berth/echo" } }));
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: "legacy",
        ProductionVariants: [{ VariantName: "Main", ModelName: "legacy-model", InstanceType: "ml.m5.large", InitialInstanceCount: 1 }],
      }),
    );
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: "legacy", EndpointConfigName: "legacy" }));
    await waitForEndpoint(berth.sagemaker, "legacy", "InService");
  });
  after(async () => {
    await browser?.close();
    await berth?.stop();
  });

  /** A new page, logged in through the form with the test key, showing the overview. */
  async function openConsole(): Promise<{ page: Page; errors: string[] }> {
    const watched = await watchedPage(browser);
    const { page } = watched;
    await page.goto(`${berth.url}/console/`);
    await page.getByLabel("Access key ID").fill(credentials.accessKeyId);
    await page.getByLabel("Secret access key").fill(credentials.secretAccessKey);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: /Packing map/ }).waitFor();
    return watched;
  }

  const copiesOnMap = (page: Page, component: string) => page.locator(`.legend li[data-owner="${component}"] .count`);
  const copiesCell = (page: Page, component: string) => page.locator(`tr[data-component="${component}"] .copies`);

  it("logs in with an access key and shows the endpoints, the components and the packing map, with no error in the browser's console", async () => {
    const { page, errors } = await openConsole();
    await copiesCell(page, "embed").filter({ hasText: "2 / 2" }).waitFor();
    assert.equal(await copiesOnMap(page, "embed").textContent(), "2");
    assert.equal(await copiesOnMap(page, "rerank").textContent(), "3");
    assert.equal(await copiesOnMap(page, "legacy/Main").textContent(), "1", "a single-model endpoint's copy is named by its endpoint and variant");
    assert.match((await page.locator("h2", { hasText: "Packing map" }).textContent())!, /3 instances, \d of 8 accelerators in use/);
    assert.equal(await page.locator(`tr[data-component="chat"] .status`).textContent(), "InService");
    assert.deepEqual(errors, []);
  });

  it("shows a copy added through the SDK on the map without a reload", async () => {
    const { page, errors } = await openConsole();
    await copiesOnMap(page, "vision").filter({ hasText: "1" }).waitFor();
    await page.evaluate(() => ((globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true));
    await berth.sagemaker.send(new UpdateInferenceComponentCommand({ InferenceComponentName: "vision", RuntimeConfig: { CopyCount: 2 } }));
    await copiesOnMap(page, "vision").filter({ hasText: "2" }).waitFor();
    await copiesCell(page, "vision").filter({ hasText: "2 / 2" }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce), true, "the page was not reloaded");
    assert.deepEqual(errors, []);
  });

  it("puts a scaling activity on the component's timeline, on the charts' time axis", async () => {
    const { page, errors } = await openConsole();
    const aas = new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });
    await page.locator(`a[href="#/component/chat"]`).click();
    await page.getByText("Copies", { exact: true }).waitFor();
    for (let i = 0; i < 20; i++)
      await berth.runtime.send(
        new InvokeEndpointCommand({ EndpointName: endpoint, InferenceComponentName: "chat", ContentType: "application/json", Body: JSON.stringify({ i }) }),
      );
    // A minimum above the current count scales the component out at once (as Application Auto Scaling does).
    await aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: "inference-component/chat",
        ScalableDimension: "sagemaker:inference-component:DesiredCopyCount",
        MinCapacity: 2,
        MaxCapacity: 4,
      }),
    );
    const activity = page.locator(".component .timeline li").filter({ hasText: "inference-component/chat" });
    await activity.first().waitFor({ timeout: 30_000 });
    assert.match((await activity.first().textContent())!, /Setting desired copy count to 2/);
    await waitForComponent(berth.sagemaker, "chat", "InService");
    await page.locator(".component p", { hasText: "copies 2 / 2" }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${docs}console-component.png`, fullPage: true });
    assert.deepEqual(errors, []);
  });

  it("shows a rolling update batch by batch", async () => {
    const { page, errors } = await openConsole();
    // One copy per batch, and a long bake (an hour of API time, a minute at this scaling period) to catch it between batches.
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: "summarize",
        Specification: echoComponent(endpoint, { accelerators: 0, cpu: 2, memory: 4096, env: { VERSION: "2" } }).Specification,
        DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT", Value: 1 }, WaitIntervalInSeconds: 3600 } },
      }),
    );
    const rollout = page.locator(`tr[data-component="summarize"] .rollout`);
    await rollout.filter({ hasText: "rolling · baking · batch 1 · new 1/1 ready, old 1" }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${docs}console-overview.png`, fullPage: true });
    assert.deepEqual(errors, []);
  });

  it("logs out: the page asks for a key again and the old session reads nothing", async () => {
    const { page, errors } = await openConsole();
    const [session] = await page.context().cookies();
    assert.equal(session?.name, "berth_console");
    assert.equal(session.httpOnly, true);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Access key ID").waitFor();
    const response = await fetch(`${berth.url}/console/api/snapshot`, { headers: { cookie: `${session.name}=${session.value}` } });
    assert.equal(response.status, 401);
    assert.deepEqual(errors, []);
  });
});
