import { createHash } from 'node:crypto';
import type { DataNode, Priority } from './data-node.js';
import { priorityOrder } from './ordering.js';

/**
 * The 64 bits of a number as the SDK writes them (`doubleToIEEE754String`), computed with
 * Math.log rather than read from memory: for some values (e.g. -9.911530391225585e-305) it is
 * not the true bit pattern, and a server that hashes the true bits refuses every transaction
 * on such data with `datastale` until the SDK gives up (`maxretry`).
 */
function doubleHex(value: number): string {
  const exponentBits = 11;
  const fractionBits = 52;
  const bias = (1 << (exponentBits - 1)) - 1;
  let sign: boolean;
  let exponent: number;
  let fraction: number;
  if (value === 0) {
    exponent = 0;
    fraction = 0;
    sign = 1 / value === Number.NEGATIVE_INFINITY;
  } else {
    sign = value < 0;
    const magnitude = Math.abs(value);
    if (magnitude >= 2 ** (1 - bias)) {
      const log2 = Math.min(Math.floor(Math.log(magnitude) / Math.LN2), bias);
      exponent = log2 + bias;
      fraction = Math.round(magnitude * 2 ** (fractionBits - log2) - 2 ** fractionBits);
    } else {
      exponent = 0;
      fraction = Math.round(magnitude / 2 ** (1 - bias - fractionBits));
    }
  }
  const bits: number[] = [];
  for (let index = fractionBits; index > 0; index--) {
    bits.push(fraction % 2 ? 1 : 0);
    fraction = Math.floor(fraction / 2);
  }
  for (let index = exponentBits; index > 0; index--) {
    bits.push(exponent % 2 ? 1 : 0);
    exponent = Math.floor(exponent / 2);
  }
  bits.push(sign ? 1 : 0);
  bits.reverse();
  const text = bits.join('');
  let hex = '';
  for (let index = 0; index < 64; index += 8) {
    hex += Number.parseInt(text.slice(index, index + 8), 2)
      .toString(16)
      .padStart(2, '0');
  }
  return hex;
}

const sha1Base64 = (text: string): string =>
  createHash('sha1').update(text, 'utf8').digest('base64');

const priorityText = (priority: Priority): string =>
  priority === null
    ? ''
    : `priority:${typeof priority === 'number' ? `number:${doubleHex(priority)}` : `string:${priority}`}:`;

/**
 * The SDK's node hash (LeafNode.hash / ChildrenNode.hash), which a transaction sends as `h`;
 * it must match bit for bit or every transaction ends in `maxretry`.
 */
export function nodeHash(node: DataNode | undefined): string {
  if (node === undefined) return '';
  let text = priorityText(node.priority);
  if (node.kind === 'leaf') {
    const value = typeof node.value === 'number' ? doubleHex(node.value) : String(node.value);
    return sha1Base64(`${text}${typeof node.value}:${value}`);
  }
  for (const [key, child] of priorityOrder(node.children)) {
    const childHash = nodeHash(child);
    if (childHash !== '') text += `:${key}:${childHash}`;
  }
  return text === '' ? '' : sha1Base64(text);
}
