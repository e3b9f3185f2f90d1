/**
 * An exam event's title follows the assessment forms attached to it: none → "<venue> / No Exam",
 * one → "<venue> / <form title>", several → "<venue> / Various".
 */
export function examEventTitle(venueName: string, formTitles: readonly string[]): string {
  if (formTitles.length === 0) return `${venueName} / No Exam`;
  if (formTitles.length === 1) return `${venueName} / ${formTitles[0]}`;
  return `${venueName} / Various`;
}
