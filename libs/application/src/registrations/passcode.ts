import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: a learner copies the passcode from paper, so no two characters look alike. */
export const PASSCODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const PASSCODE_LENGTH = 12;

/** A registration's scrap-paper passcode: 12 cryptographically random characters. */
export function generatePasscode(): string {
  let passcode = '';
  for (let i = 0; i < PASSCODE_LENGTH; i++) passcode += PASSCODE_ALPHABET[randomInt(PASSCODE_ALPHABET.length)];
  return passcode;
}
