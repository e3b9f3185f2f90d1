/**
 * An exam event's title as the read models show it: its venue's current name and the current title
 * of the forms attached to it (spec §3's rule; §5: venue and form data follow catalog changes, and
 * event data shows the event's current values). The write side's `ExamEventRetitled` records the
 * title as composed when a form was attached, for the history; the read models keep what a title is
 * made of on each event's document instead, so that a venue renamed or a form retitled re-renders it.
 * Both projections use these, each on its own copies.
 */
import { composeTitle, NO_FORM_PART, SEVERAL_FORMS_PART } from '../../domain/src/exam-event/exam-event-title.js';
import type { Doc } from './read-store.js';

export interface TitleParts {
  VenueName: string;
  /** What follows "<venue> / ": `No Exam`, the only form's title, or `Various`. */
  TitlePart: string;
  /** How many different forms are attached, counted up to 2 (two or more show `Various`). */
  TitleForms: number;
  /** The only form attached, while there is exactly one: the form whose title shows. */
  TitleFormId: string | null;
}

export type TitleFields = Partial<TitleParts> & { EventTitle: string };

/** An event just scheduled: no form attached. */
export function scheduledTitle(venueName: string): TitleParts & TitleFields {
  const TitlePart = NO_FORM_PART;
  return { VenueName: venueName, TitlePart, TitleForms: 0, TitleFormId: null, EventTitle: composeTitle(venueName, TitlePart) };
}

/** A form attached to the event `doc`; null when the title's parts stay as they are (the form was attached already, or several are). */
export function titleWithForm(doc: Doc, formId: string, formTitle: string): TitleFields | null {
  const parts = doc as unknown as TitleParts;
  if (parts.TitleForms >= 2 || (parts.TitleForms === 1 && parts.TitleFormId === formId)) return null;
  const TitleForms = parts.TitleForms + 1;
  const TitlePart = TitleForms === 1 ? formTitle : SEVERAL_FORMS_PART;
  return { TitlePart, TitleForms, TitleFormId: TitleForms === 1 ? formId : null, EventTitle: composeTitle(parts.VenueName, TitlePart) };
}

/** The event's venue renamed; null when its title shows that name already. */
export function titleWithVenueName(doc: Doc, venueName: string): TitleFields | null {
  const parts = doc as unknown as TitleParts;
  if (parts.VenueName === venueName) return null;
  return { VenueName: venueName, EventTitle: composeTitle(venueName, parts.TitlePart) };
}

/** The title of the event's only form changed; null when its title shows that one already. */
export function titleWithFormTitle(doc: Doc, formTitle: string): TitleFields | null {
  const parts = doc as unknown as TitleParts;
  if (parts.TitlePart === formTitle) return null;
  return { TitlePart: formTitle, EventTitle: composeTitle(parts.VenueName, formTitle) };
}
