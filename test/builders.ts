// Small builders for test data: aContact({ ...overrides }).
let n = 0;
const next = () => ++n;

export function aContact(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const i = next();
  return { name: `Person ${i}`, email: `person${i}@example.com`, ...overrides };
}

export function anOrganization(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const i = next();
  return { name: `Org ${i}`, domain: `org${i}.example.com`, ...overrides };
}
