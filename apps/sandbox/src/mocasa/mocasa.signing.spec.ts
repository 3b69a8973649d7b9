import { mocasaSimSignature } from './mocasa.signing';

describe('mocasa simulator signing (mocasa.md §4.2 vectors)', () => {
  it('signs with base64 of the raw digest by default form', () => {
    expect(mocasaSimSignature('MO123', 'success', 's3cr3t', 'raw')).toBe('C97SA6aBJ4uxaj0n5jm8gjek3kgMCE3AvL+ZoKXv9zA=');
    expect(mocasaSimSignature('MO124', 'failed', 's3cr3t', 'raw')).toBe('I5Hdnq2uqVsj+QFqUHjB1nAPhw1KbD3oPPuGQZ4pCf8=');
  });

  it('signs with base64 of the lowercase hex digest as the option', () => {
    expect(mocasaSimSignature('MO123', 'success', 's3cr3t', 'hex')).toBe('MGJkZWQyMDNhNjgxMjc4YmIxNmEzZDI3ZTYzOWJjODIzN2E0ZGU0ODBjMDg0ZGMwYmNiZjk5YTBhNWVmZjczMA==');
    expect(mocasaSimSignature('MO124', 'failed', 's3cr3t', 'hex')).toBe('MjM5MWRkOWVhZGFlYTk1YjIzZjkwMTZhNTA3OGMxZDY3MDBmODcwZDRhNmMzZGU4M2NmYjg2NDE5ZTI5MDlmZg==');
  });
});
