import { generatePasscode, PASSCODE_ALPHABET } from './passcode.js';

describe('generatePasscode', () => {
  it('makes 12 characters of the unambiguous alphabet, different each time', () => {
    const passcodes = Array.from({ length: 200 }, generatePasscode);
    for (const passcode of passcodes) expect(passcode).toMatch(/^[2-9A-HJKMNP-Z]{12}$/);
    expect(new Set(passcodes).size).toBe(passcodes.length);
    expect(PASSCODE_ALPHABET).not.toMatch(/[01OIL]/);
  });

  it('uses the whole alphabet', () => {
    const seen = new Set(Array.from({ length: 300 }, generatePasscode).join(''));
    expect(seen.size).toBe(PASSCODE_ALPHABET.length);
  });
});
