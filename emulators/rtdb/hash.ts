import { createHash } from 'node:crypto';
import type { DataNode, Priority } from './data-node.js';
import { priorityOrder } from './ordering.js';

const doubleHex = (value: number): string => {
  const buffer = Buffer.alloc(8);
  buffer.writeDoubleBE(value);
  return buffer.toString('hex');
};

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
