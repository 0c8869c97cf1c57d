// Verification in the browser, independent of the server's word: SHA-256 leaf and node
// hashes (RFC 6962 §2.1), the inclusion proof check of RFC 9162 §2.1.3.2, and the checkpoint
// signature (ECDSA P-256 / SHA-256, or Ed25519) over its RFC 8785 bytes, with Web Crypto.
"use strict";
const LT = {};

LT.hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
LT.unhex = (text) => {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new Error("not lower-case hex: " + text.slice(0, 20));
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
};
LT.concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
LT.equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// SHA-256: Web Crypto where the page is a secure context (https, localhost), else a small
// implementation of FIPS 180-4 so that plain-http deployments can still check proofs.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
LT.sha256js = (data) => {
  const bits = data.length * 8;
  const padded = new Uint8Array(((data.length + 9 + 63) >> 6) << 6);
  padded.set(data); padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bits / 0x100000000)); view.setUint32(padded.length - 4, bits >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    [a, b, c, d, e, f, g, hh].forEach((x, i) => { h[i] = (h[i] + x) >>> 0; });
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  h.forEach((x, i) => ov.setUint32(i * 4, x));
  return out;
};
LT.subtle = (globalThis.crypto && globalThis.crypto.subtle) || null;
LT.sha256 = async (data) =>
  LT.subtle ? new Uint8Array(await LT.subtle.digest("SHA-256", data)) : LT.sha256js(data);
LT.leafHash = (canonicalText) =>
  LT.sha256(LT.concat(new Uint8Array([0]), new TextEncoder().encode(canonicalText)));
LT.nodeHash = (left, right) => LT.sha256(LT.concat(new Uint8Array([1]), left, right));

// RFC 9162 §2.1.3.2, step for step (indices as JS numbers: exact below 2^53).
LT.verifyInclusion = async (leafIndex, treeSize, leaf, proof, root) => {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) return false;
  let fn = leafIndex, sn = treeSize - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await LT.nodeHash(p, r);
      if (fn % 2 === 0) {
        while (!(fn % 2 === 1 || fn === 0)) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      r = await LT.nodeHash(r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && LT.equal(r, root);
};

// The exact bytes a checkpoint's signature covers (RFC 8785: sorted keys, no spaces).
LT.checkpointBytes = (cp) => new TextEncoder().encode(
  '{"at":' + JSON.stringify(cp.at) + ',"key_id":' + JSON.stringify(cp.key_id) +
  ',"root":' + JSON.stringify(cp.root) + ',"size":' + cp.size + "}");

LT.pemToDer = (pem) => {
  const body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(body), (ch) => ch.charCodeAt(0));
};
LT.b64 = (text) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

// ECDSA signatures are DER SEQUENCE { r INTEGER, s INTEGER }; Web Crypto wants r || s.
LT.derToRaw = (der, size = 32) => {
  let at = 2;
  if (der[0] !== 0x30) throw new Error("not a DER ECDSA signature");
  if (der[1] & 0x80) at = 2 + (der[1] & 0x7f);
  const out = new Uint8Array(size * 2);
  for (let k = 0; k < 2; k++) {
    if (der[at] !== 0x02) throw new Error("not a DER ECDSA signature");
    let len = der[at + 1], start = at + 2;
    let value = der.slice(start, start + len);
    while (value.length > size && value[0] === 0) value = value.slice(1);
    out.set(value, size * (k + 1) - value.length);
    at = start + len;
  }
  return out;
};

// → "verified" | "invalid" | "unavailable: <why>"
LT.verifyCheckpointSignature = async (cp, keyRecord) => {
  if (!LT.subtle) return "unavailable: Web Crypto needs https or localhost";
  const spki = LT.pemToDer(keyRecord.public_key_pem);
  const signature = LT.b64(cp.signature);
  const data = LT.checkpointBytes(cp);
  try {
    if (keyRecord.algorithm === "EdDSA") {
      const key = await LT.subtle.importKey("spki", spki, { name: "Ed25519" }, false, ["verify"]);
      return (await LT.subtle.verify({ name: "Ed25519" }, key, signature, data)) ? "verified" : "invalid";
    }
    const key = await LT.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const ok = await LT.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, LT.derToRaw(signature), data);
    return ok ? "verified" : "invalid";
  } catch (err) {
    return "unavailable: " + err.message;
  }
};
