// Runs the official Cybersource Node SDK (cybersource-rest-client), unchanged, against the flex sandbox.
//
// Usage: NODE_EXTRA_CA_CERTS=CA_PEM node sdk_node.js HOST:PORT
//
// What it checks, with the SDK's own code paths:
// 1. FlexAPIApi.generateFlexAPICaptureContext with HTTP Signature auth -> 201 and a JWT string.
// 2. The same with JWT auth (jwtKeyType SHARED_SECRET -> HS256, the SDK's "digest-algorithm" and "post" claims).
// 3. CaptureContextParsingUtility.parseCaptureContextResponse: the SDK fetches GET /flex/v2/public-keys/{kid}
//    itself and verifies the RS256 signature.
// 4. A wrong shared secret -> HTTP 401 with the gateway's "Authentication Failed" body.
// 5. The browser step with an independent JWE built from Node's crypto (RSA-OAEP-256 + A256GCM, nested `data`),
//    POST /flex/v2/tokens, then the SDK's JWTUtility.verifyJwt checks the transient token with flx.jwk.
//
// The only set-up around the SDK is trust in the sandbox's CA, through Node's own NODE_EXTRA_CA_CERTS.
'use strict';

const crypto = require('crypto');
const https = require('https');
const cybersource = require('cybersource-rest-client');
const JWTUtility = require('cybersource-rest-client/src/authentication/util/jwt/JWTUtility.js');

const HOST = process.argv[2];
const SECRET = 'yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=';
const failures = [];

function check(name, ok, detail) {
  console.log((ok ? 'ok   ' : 'FAIL ') + name + (!ok && detail ? `: ${detail}` : ''));
  if (!ok) failures.push(name);
}

function config(auth, secret = SECRET) {
  return {
    authenticationType: auth,
    runEnvironment: HOST,
    merchantID: 'testrest',
    merchantKeyId: '08c94330-f618-42a3-b09d-e1e43be5efda',
    merchantsecretKey: secret,
    jwtKeyType: 'SHARED_SECRET',
    logConfiguration: { enableLog: false },
  };
}

function sessionRequest() {
  const F = cybersource.Flexv2sessionsFieldsOrderInformationAmountDetailsTotalAmount;
  const required = (r) => { const f = new F(); f.required = r; return f; };
  const card = new cybersource.Flexv2sessionsFieldsPaymentInformationCard();
  card.number = required(true);
  card.securityCode = required(false);
  card.expirationMonth = required(true);
  card.expirationYear = required(true);
  const paymentInformation = new cybersource.Flexv2sessionsFieldsPaymentInformation();
  paymentInformation.card = card;
  const fields = new cybersource.Flexv2sessionsFields();
  fields.paymentInformation = paymentInformation;
  const request = new cybersource.GenerateFlexAPICaptureContextRequest();
  request.fields = fields;
  return request;
}

function create(auth, secret) {
  const cfg = config(auth, secret);
  const apiClient = new cybersource.ApiClient();
  const api = new cybersource.FlexAPIApi(cfg, apiClient);
  return new Promise((resolve) => {
    api.generateFlexAPICaptureContext(sessionRequest(), (error, data, response) => resolve({ error, data, response }));
  });
}

function parse(context, auth) {
  const merchantConfig = new cybersource.MerchantConfig(config(auth));
  return new Promise((resolve) => {
    cybersource.CaptureContextParsingUtility.parseCaptureContextResponse(context, merchantConfig,
      (error, payload) => resolve({ error, payload }));
  });
}

function b64u(buf) {
  return Buffer.from(buf).toString('base64url');
}

// RFC 7516 compact JWE, RSA-OAEP-256 + A256GCM, written from the RFC with Node's crypto only.
function encrypt(jwk, plaintext) {
  const header = b64u(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: jwk.kid }));
  const cek = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const key = crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
  const wrapped = crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek);
  const cipher = crypto.createCipheriv('aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(header, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [header, b64u(wrapped), b64u(iv), b64u(ciphertext), b64u(cipher.getAuthTag())].join('.');
}

function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const contexts = {};
  for (const auth of ['http_signature', 'jwt']) {
    const { error, data, response } = await create(auth);
    const status = response ? response.status : error && error.status;
    check(`${auth}: POST /flex/v2/sessions -> 201`, !error && status === 201, `${status} ${error}`);
    check(`${auth}: the body is a compact JWT`, typeof data === 'string' && data.split('.').length === 3);
    if (!error) contexts[auth] = data;
  }

  for (const [auth, context] of Object.entries(contexts)) {
    const { error, payload } = await parse(context, auth);
    check(`${auth}: SDK verifies the capture context (fetches the public key)`,
      !error && payload && payload.iss === 'Flex API', String(error));
    if (!error) {
      check(`${auth}: ctx lists the requested fields`,
        payload.ctx[0].data.requiredFields.includes('paymentInformation.card.number'));
    }
  }

  for (const auth of ['http_signature', 'jwt']) {
    const { error } = await create(auth, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    check(`${auth}: a wrong secret is refused with 401`, error && error.status === 401, String(error && error.status));
    const body = error && error.response && error.response.text;
    // The SDK hands the error body over as a JSON string of the raw text; decode both layers.
    let parsed = body && JSON.parse(body);
    if (typeof parsed === 'string') parsed = JSON.parse(parsed);
    check(`${auth}: 401 body is the gateway shape`,
      JSON.stringify(parsed) === '{"response":{"rmsg":"Authentication Failed"}}', String(body));
  }

  const context = contexts.http_signature;
  if (context) {
    const { flx } = JWTUtility.parse(context).payload;
    const plaintext = JSON.stringify({
      context,
      index: 0,
      data: {
        paymentInformation: { card: { number: '4111111111111111', expirationMonth: '12', expirationYear: '2031' } },
      },
    });
    const jwe = encrypt(flx.jwk, plaintext);
    const res = await post(flx.origin + flx.path, JSON.stringify({ keyId: jwe }));
    check('Node crypto JWE (RSA-OAEP-256, nested data) -> POST /flex/v2/tokens -> 2xx',
      res.status >= 200 && res.status < 300, `${res.status} ${res.body.toString().slice(0, 200)}`);
    if (res.status >= 200 && res.status < 300) {
      const digest = 'SHA-256=' + crypto.createHash('sha256').update(res.body).digest('base64');
      check('the Digest response header matches the body', res.headers.digest === digest, String(res.headers.digest));
      try {
        JWTUtility.verifyJwt(res.body.toString(), JSON.stringify(flx.jwk));
        check("SDK's verifyJwt accepts the transient token with flx.jwk", true);
      } catch (e) {
        check("SDK's verifyJwt accepts the transient token with flx.jwk", false, String(e));
      }
      const replay = await post(flx.origin + flx.path, JSON.stringify({ keyId: jwe }));
      check('a replayed JWE is refused', replay.status >= 400, String(replay.status));
    }
  }

  console.log(`node sdk: ${failures.length} failure(s)`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL unexpected: ${e && e.stack}`); process.exit(1); });
