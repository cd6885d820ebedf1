/** The upload form shown on directory listings when uploads are on. */

/**
 * The HTML of a form that posts the chosen files (several at once) as
 * `multipart/form-data` to the listed directory itself, where `do_POST` stores them.
 */
export function renderUploadForm(): string {
  return (
    '<form method="post" enctype="multipart/form-data" action="">\n' +
    '<label>Upload files: <input type="file" name="file" multiple required></label>\n' +
    '<button type="submit">Upload</button>\n</form>\n<hr>\n'
  );
}

/** `html` (a listing page) with the upload form placed just before `</body>`. */
export function withUploadForm(html: string): string {
  const end = html.lastIndexOf('</body>');
  return end === -1 ? html + renderUploadForm() : html.slice(0, end) + renderUploadForm() + html.slice(end);
}
