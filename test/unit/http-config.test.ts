// The pieces of the HTTP client that decide from configuration alone: netrc entries and NO_PROXY matching (as curl
// reads them), which proxy a URL takes, and helm's TLS flags on a command line.
import { strict as assert } from 'node:assert';
import { netrcLookup } from '../../src/helm/netrc.js';
import { noProxyMatches, proxyFor } from '../../src/helm/proxy.js';
import { tlsFromHelmArgs } from '../../src/helm/tlsflags.js';
import { hasCiphertext } from '../../src/helm/resolve.js';

describe('http configuration', () => {
  it('netrc: the machine entry, then default; tokens across lines; macdef skipped', () => {
    const text = 'machine a.example login ua password pa\n' + 'macdef init\nmachine evil login x password y\n\n' + 'machine\nB.example\n login ub\n password "pb"\ndefault login ud password pd\n';
    assert.deepEqual(netrcLookup(text, 'a.example'), { user: 'ua', password: 'pa' });
    assert.deepEqual(netrcLookup(text, 'b.example'), { user: 'ub', password: '"pb"' });
    assert.deepEqual(netrcLookup(text, 'evil'), { user: 'ud', password: 'pd' });
    assert.deepEqual(netrcLookup(text, 'other'), { user: 'ud', password: 'pd' });
    assert.equal(netrcLookup('machine a login u password p\n', 'b'), undefined);
  });

  it('NO_PROXY: names, suffixes, leading dots, *, ports, addresses and IPv4 ranges', () => {
    assert.equal(noProxyMatches('example.com', 'example.com', '443'), true);
    assert.equal(noProxyMatches('example.com', 'api.example.com', '443'), true);
    assert.equal(noProxyMatches('.example.com', 'api.example.com', '443'), true);
    assert.equal(noProxyMatches('example.com', 'badexample.com', '443'), false);
    assert.equal(noProxyMatches(' foo , *', 'anything', '80'), true);
    assert.equal(noProxyMatches('example.com:8443', 'example.com', '443'), false);
    assert.equal(noProxyMatches('example.com:8443', 'example.com', '8443'), true);
    assert.equal(noProxyMatches('10.0.0.0/8', '10.2.3.4', '80'), true);
    assert.equal(noProxyMatches('10.0.0.0/8', '11.2.3.4', '80'), false);
    assert.equal(noProxyMatches('127.0.0.1', '127.0.0.1', '80'), true);
    assert.equal(noProxyMatches('[::1]', '::1', '80'), true);
    assert.equal(noProxyMatches('', 'a', '80'), false);
  });

  it('the proxy for a URL: lower case first, per scheme, NO_PROXY exempts, bare host:port is http', () => {
    const env = { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2', HTTP_PROXY: 'plain:3', NO_PROXY: 'skip.example' };
    assert.equal(proxyFor(new URL('https://h/x'), env)?.host, 'lower:2');
    assert.equal(proxyFor(new URL('http://h/x'), env)?.href, 'http://plain:3/');
    assert.equal(proxyFor(new URL('https://skip.example/x'), env), undefined);
    assert.equal(proxyFor(new URL('https://h/x'), {}), undefined);
    assert.equal(proxyFor(new URL('https://h/x'), { ALL_PROXY: 'http://all:4' })?.host, 'all:4');
  });

  it("helm's TLS flags in each spelling; nothing after --", () => {
    assert.deepEqual(tlsFromHelmArgs(['template', 'x', '--ca-file', 'ca.pem', '--cert-file=c.pem', '--key-file', 'k.pem', '--insecure-skip-tls-verify']), {
      caFile: 'ca.pem',
      certFile: 'c.pem',
      keyFile: 'k.pem',
      insecure: true,
    });
    assert.deepEqual(tlsFromHelmArgs(['--insecure-skip-tls-verify=false', '--', '--ca-file', 'x']), { insecure: false });
  });

  it('ENC[...] values are ciphertext with or without sops metadata', () => {
    assert.equal(hasCiphertext(Buffer.from('a: ENC[AES256_GCM,data:abc=,iv:x,tag:y,type:str]\n')), true);
    assert.equal(hasCiphertext(Buffer.from('a: ENC[not sops]\nb: plain\n')), false);
  });
});
