import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressRefusal } from "../../src/artifacts/address-policy.js";
import type { ArtifactUrlPolicy } from "../../src/artifacts/settings.js";
import { checkArtifactUrl } from "../../src/artifacts/url-policy.js";

const policy: ArtifactUrlPolicy = { localRoots: ["/srv/models", "/opt/berth/models/"], allowedHosts: ["*"], allowPrivateNetworks: false };

function refusedBecause(url: string, p: ArtifactUrlPolicy = policy): string {
  const verdict = checkArtifactUrl(url, p);
  assert.ok(!verdict.ok, `${url} was accepted`);
  return verdict.problem;
}

describe("artifact URL policy", () => {
  it("accepts paths and file URLs under a local root, and public hosts on the allow-list", () => {
    for (const url of [
      "/srv/models/llm",
      "/srv/models",
      "file:///srv/models/a.tar.gz",
      "file://localhost/opt/berth/models/x",
      "https://models.example.com/a.tar.gz",
      "http://93.184.216.34/a",
    ]) {
      assert.ok(checkArtifactUrl(url, policy).ok, url);
    }
  });

  const localRefusals: [string, RegExp][] = [
    ["file://../..", /names host '\.\.'.*file:\/\/\/absolute\/path/],
    ["models/llm", /is relative/],
    ["./models/llm", /is relative/],
    ["/", /not under an allowed local root \(artifacts\.localRoots: \/srv\/models, \/opt\/berth\/models\/\)/],
    ["/etc/passwd", /Artifact path \/etc\/passwd .*add its directory to artifacts\.localRoots/],
    ["file:///etc/passwd", /Artifact path \/etc\/passwd/],
    ["/srv/models/../../etc/passwd", /'\.' or '\.\.' segments/],
    ["/srv/models-evil/x", /not under an allowed local root/],
    ["file:///srv/models/%2e%2e/%2e%2e/etc/passwd", /Artifact path \/etc\/passwd/],
    ["file:///srv/models/a%2fb", /encoded '\/'/],
    ["/srv/models/a\0b", /NUL byte/],
    ["file://evil.example.com/srv/models/x", /names host 'evil\.example\.com'/],
  ];
  for (const [url, message] of localRefusals) {
    it(`refuses local artifact ${JSON.stringify(url)}`, () => assert.match(refusedBecause(url), message));
  }

  it("refuses every local artifact when no root is configured, and says so", () => {
    assert.match(refusedBecause("/srv/models/x", { ...policy, localRoots: [] }), /none, so local artifacts are off/);
  });

  const remoteRefusals: [string, RegExp][] = [
    ["s3://bucket/model.tar.gz", /is in S3/],
    ["ftp://example.com/model.tar.gz", /unsupported scheme/],
    ["gopher://example.com/", /unsupported scheme/],
    ["https://user:secret@models.example.com/a", /carries a user name or password/],
    ["http://127.0.0.1/a", /is 127\.0\.0\.1, a loopback address.*artifacts\.allowPrivateNetworks: true/],
    ["http://0x7f.1/a", /127\.0\.0\.1, a loopback address/],
    ["http://2130706433/a", /127\.0\.0\.1, a loopback address/],
    ["http://[::1]/a", /::1, a loopback address/],
    ["http://[::ffff:127.0.0.1]/a", /a loopback address/],
    ["http://10.1.2.3/a", /a private \(RFC 1918\) address/],
    ["http://172.16.0.1/a", /a private \(RFC 1918\) address/],
    ["http://192.168.1.1/a", /a private \(RFC 1918\) address/],
    ["http://100.64.0.1/a", /a carrier-grade NAT address/],
    ["http://[fd12::1]/a", /a unique-local \(IPv6 private\) address/],
    ["http://169.254.169.254/latest/meta-data", /a link-local address.*List the address/],
    ["http://[fe80::1]/a", /a link-local address/],
    ["http://0.0.0.0/a", /unspecified, multicast or reserved/],
    ["http://224.0.0.1/a", /unspecified, multicast or reserved/],
  ];
  for (const [url, message] of remoteRefusals) {
    it(`refuses remote artifact ${url}`, () => assert.match(refusedBecause(url), message));
  }

  it("refuses hosts missing from artifacts.allowedHosts, naming the list", () => {
    const narrow = { ...policy, allowedHosts: ["*.example.com", "artifacts.internal"] };
    assert.ok(checkArtifactUrl("https://cdn.example.com/a", narrow).ok);
    assert.ok(checkArtifactUrl("https://artifacts.internal/a", narrow).ok);
    assert.match(
      refusedBecause("https://example.com/a", narrow),
      /Artifact host 'example\.com'.*not in artifacts\.allowedHosts \(\*\.example\.com, artifacts\.internal\)/,
    );
    assert.match(refusedBecause("https://example.com.evil.net/a", narrow), /not in artifacts\.allowedHosts/);
    assert.match(refusedBecause("https://93.184.216.34/a", narrow), /not in artifacts\.allowedHosts/);
    assert.match(refusedBecause("https://a.example.com/a", { ...policy, allowedHosts: [] }), /empty, so remote artifacts are off/);
  });

  it("opens private ranges with allowPrivateNetworks, and any address listed explicitly", () => {
    const open = { ...policy, allowPrivateNetworks: true };
    for (const address of ["127.0.0.1", "10.0.0.1", "192.168.0.1", "fd00::1", "100.64.0.1", "::ffff:10.0.0.1"])
      assert.equal(addressRefusal(address, open), undefined, address);
    assert.equal(addressRefusal("169.254.169.254", open), "link-local", "the metadata service stays closed unless listed");
    const listed = { ...policy, allowedHosts: ["169.254.169.254", "10.20.0.0/16"] };
    assert.equal(addressRefusal("169.254.169.254", listed), undefined);
    assert.equal(addressRefusal("10.20.3.4", listed), undefined);
    assert.equal(addressRefusal("10.21.3.4", listed), "private (RFC 1918)");
    assert.ok(checkArtifactUrl("http://10.20.3.4:8000/a.tar.gz", listed).ok, "a listed network allows its literal addresses as hosts too");
  });
});
