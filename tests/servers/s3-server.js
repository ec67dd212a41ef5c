#!/usr/bin/env node
// tests/servers/s3-server.js DATA_DIR PORT PID_FILE: the npm package s3rver 3.7.1 on
// 127.0.0.1:PORT, filesystem-backed under DATA_DIR, with the bucket "trainbox-test", plus two
// things s3rver lacks that trainbox's tests need:
//  1. Signature checking. s3rver 3.7.1 accepts every well-formed SigV4 header from a known
//     access key without computing the signature. This middleware recomputes it (from the
//     request as it arrived, with its own URI encoding) for s3rver's one account
//     (S3RVER / S3RVER) and answers 403 SignatureDoesNotMatch like S3 does. The payload itself
//     is not hashed (S3 would check x-amz-content-sha256; the tests compare bytes instead).
//  2. One injected fault: the first request of each method for an object whose name starts
//     with "flaky-500-" is answered 500 InternalError, so a test can watch the client retry.
// It also works around an s3rver bug: DeleteObjects deletes its keys in parallel, and each
// delete then removes its emptied parent folders, so two keys in one folder race and one fails
// with ENOENT (a 500) after its files are already gone. That ENOENT is ignored here.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const S3rver = require('s3rver');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

const [dataDir, port, pidFile] = process.argv.slice(2);
const SECRETS = { S3RVER: 'S3RVER' };

const sha256 = text => crypto.createHash('sha256').update(text).digest('hex');
const hmac = (key, text) => crypto.createHmac('sha256', key).update(text).digest();
const encode = text =>
  encodeURIComponent(text).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const decode = text => {
  try {
    return decodeURIComponent(text);
  } catch (err) {
    return text;
  }
};
const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function canonicalQuery(raw) {
  return raw
    .split('&')
    .filter(Boolean)
    .map(item => {
      const equals = item.indexOf('=');
      const key = equals < 0 ? item : item.slice(0, equals);
      const value = equals < 0 ? '' : item.slice(equals + 1);
      return [encode(decode(key)), encode(decode(value))];
    })
    .sort(([k1, v1], [k2, v2]) => compare(k1, k2) || compare(v1, v2))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

function expectedSignature(req, fields, secret) {
  const [, date, region, service] = fields.Credential.split('/');
  const question = req.url.indexOf('?');
  const rawPath = question < 0 ? req.url : req.url.slice(0, question);
  const rawQuery = question < 0 ? '' : req.url.slice(question + 1);
  const path = rawPath.split('/').map(segment => encode(decode(segment))).join('/');
  const names = fields.SignedHeaders.split(';');
  const headers = names
    .map(name => `${name}:${String(req.headers[name] || '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonical = [req.method, path, canonicalQuery(rawQuery), headers, fields.SignedHeaders,
    req.headers['x-amz-content-sha256'] || ''].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', req.headers['x-amz-date'] || '', scope, sha256(canonical)]
    .join('\n');
  let key = 'AWS4' + secret;
  for (const part of [date, region, service, 'aws4_request']) key = hmac(key, part);
  return { signature: hmac(key, toSign).toString('hex'), names };
}

async function reply(ctx, status, code, message) {
  for await (const chunk of ctx.req) void chunk;  // read the body, so the client sees the reply
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>${message}</Message></Error>`;
}

async function checkSignature(ctx, next) {
  const authorization = ctx.get('authorization');
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) return next();
  const fields = {};
  for (const part of authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const [name, ...value] = part.trim().split('=');
    fields[name] = value.join('=');
  }
  const secret = SECRETS[(fields.Credential || '').split('/')[0]];
  if (secret === undefined || !fields.SignedHeaders || !fields.Signature) return next();
  const { signature, names } = expectedSignature(ctx.req, fields, secret);
  if (signature !== fields.Signature || !names.includes('host')) {
    return reply(ctx, 403, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. ' +
      'Check your key and signing method.');
  }
  return next();
}

const faultsServed = new Set();
async function injectFaults(ctx, next) {
  const name = ctx.path.split('/').pop();
  const id = `${ctx.method} ${ctx.path}`;
  if (name.startsWith('flaky-500-') && !faultsServed.has(id)) {
    faultsServed.add(id);
    return reply(ctx, 500, 'InternalError', 'We encountered an internal error. Please try again.');
  }
  return next();
}

const deleteObject = FilesystemStore.prototype.deleteObject;
FilesystemStore.prototype.deleteObject = async function deleteObjectIgnoringRace(bucket, key) {
  try {
    await deleteObject.call(this, bucket, key);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
};

const server = new S3rver({
  directory: dataDir,
  address: '127.0.0.1',
  port: Number(port),
  silent: true,
  serviceEndpoint: 'localhost',  // BUCKET.s3.localhost:PORT is virtual-hosted addressing
  configureBuckets: [{ name: 'trainbox-test', configs: [] }],
});
server.middleware.unshift(checkSignature, injectFaults);
server.run().then(
  address => {
    fs.writeFileSync(pidFile, `${process.pid}\n`);
    console.log(`s3rver ${require('s3rver/package.json').version} on ${address.address}:${address.port}`);
  },
  err => {
    console.error(err);
    process.exit(1);
  },
);
