import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_END, GENERATED_START, renderEventSections } from '../support/events-doc';

/**
 * docs/events.md documents every public payload; its per-event half is rendered from the contracts.
 * When a contract changes, regenerate it: UPDATE_EVENTS_DOC=1 npx jest --selectProjects integration -- events-doc
 */
const DOC = path.join(__dirname, '..', '..', 'docs', 'events.md');

describe('docs/events.md', () => {
  it('documents every public event exactly as the contracts publish it', () => {
    const text = fs.readFileSync(DOC, 'utf8');
    const start = text.indexOf(GENERATED_START);
    const end = text.indexOf(GENERATED_END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const current = text.slice(start, end + GENERATED_END.length);
    const rendered = renderEventSections();
    if (process.env.UPDATE_EVENTS_DOC === '1' && current !== rendered) {
      fs.writeFileSync(DOC, text.slice(0, start) + rendered + text.slice(end + GENERATED_END.length));
      return;
    }
    expect(current).toBe(rendered);
  });
});
