// tests/e2e/support/raw_http.mjs
//
// A raw TCP client for what fetch cannot express: partial requests, slow senders,
// malformed bytes, and watching when the server closes the connection.

import net from 'node:net';

export function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

// Collects everything the server sends until it closes the connection.
export function readUntilClose(socket, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    let data = '';
    const timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms; got: ${data}`)), timeoutMs);
    socket.on('data', (chunk) => { data += chunk.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => { clearTimeout(timer); resolve(data); });
  });
}

// Waits until the server has sent at least one complete response head and body
// (by Content-Length); resolves with { status, headers, body, raw }.
export function readResponse(socket, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error(`no full response in ${timeoutMs} ms; got: ${data}`)), timeoutMs);
    const onData = (chunk) => {
      data = Buffer.concat([data, chunk]);
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = text.slice(0, end).split('\r\n');
      const status = Number(head[0].split(' ')[1]);
      const headers = {};
      for (const line of head.slice(1)) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (data.length < end + 4 + length) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({ status, headers, body: text.slice(end + 4, end + 4 + length), raw: text });
    };
    socket.on('data', onData);
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
