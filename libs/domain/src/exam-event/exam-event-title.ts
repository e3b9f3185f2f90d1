/**
 * An exam event's title follows the assessment forms attached to it: none → "<venue> / No Exam",
 * one → "<venue> / <form title>", several → "<venue> / Various" (spec §3).
 */
export function examEventTitle(venueName: string, formTitles: readonly string[]): string {
  return composeTitle(venueName, titlePart(formTitles));
}

export const NO_FORM_PART = 'No Exam';
export const SEVERAL_FORMS_PART = 'Various';

/** The part of a title after the venue's name. */
function titlePart(formTitles: readonly string[]): string {
  if (formTitles.length === 0) return NO_FORM_PART;
  if (formTitles.length === 1) return formTitles[0];
  return SEVERAL_FORMS_PART;
}

export function composeTitle(venueName: string, part: string): string {
  return `${venueName} / ${part}`;
}

/** What a title shows for a form: its title, else its name, else its code. */
export function formTitleShown(form: { Title?: string | null; Name?: string | null; Code: string }): string {
  return form.Title ?? form.Name ?? form.Code;
}
