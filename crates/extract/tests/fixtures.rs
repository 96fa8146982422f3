//! Extraction on real files of every format Cabinet reads, and on hostile
//! ones: each ends in a clear status, never a crash or a hang.

use std::io::{Cursor, Write as _};
use std::path::PathBuf;

use cabinet_domain::processing::{Analysis, Subject, TextStatus};
use cabinet_extract::{Format, Limits, analyze, find_pdf_renderer, format_of};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The media type the upload path would decide for these bytes.
fn sniffed(bytes: &[u8]) -> String {
    infer::get(bytes).map_or("application/octet-stream", |k| k.mime_type()).to_owned()
}

fn run(name: &str, bytes: &[u8]) -> Analysis {
    let subject = Subject { content_type: sniffed(bytes), filename: name.to_owned(), size: bytes.len() as u64 };
    analyze(bytes, true, &subject, &Limits::default(), None)
}

fn text_of(name: &str) -> String {
    let analysis = run(name, &fixture(name));
    assert_eq!(analysis.text_status, TextStatus::Extracted, "{name}: {:?}", analysis.detail);
    analysis.text
}

#[test]
fn plain_text_markdown_and_csv_are_read_as_they_are() {
    assert!(text_of("sample.txt").contains("quarterly budget review"));
    assert!(text_of("sample.md").contains("Ship **search** in *November*"));
    let csv = text_of("sample.csv");
    assert!(csv.contains("Lisbon,12000,Ana"), "{csv}");
}

#[test]
fn html_is_read_without_markup_scripts_or_styles() {
    let text = text_of("sample.html");
    assert!(text.contains("Board minutes") && text.contains("solar panel & battery"), "{text}");
    assert!(!text.contains("tracking") && !text.contains("font:") && !text.contains('<'), "{text}");
}

#[test]
fn json_yields_its_keys_and_values() {
    let text = text_of("sample.json");
    for word in ["project", "Aurora", "prototype", "250000"] {
        assert!(text.contains(word), "{word} in {text}");
    }
}

#[test]
fn a_pdf_yields_its_text() {
    let text = text_of("sample.pdf");
    assert!(text.contains("quarterly budget review"), "{text}");
}

#[test]
fn docx_and_odt_yield_their_paragraphs_without_field_codes() {
    let docx = text_of("sample.docx");
    assert!(docx.contains("Contract renewal for the Harbor warehouse\n"), "{docx}");
    assert!(docx.contains("Signed by Dana") && !docx.contains("secret-field-code"), "{docx}");
    let odt = text_of("sample.odt");
    assert!(odt.contains("Field report\nGlacier melt measured at station nine"), "{odt}");
}

#[test]
fn a_malformed_pdf_is_marked_malformed() {
    let analysis = run("broken.pdf", &fixture("malformed.pdf"));
    assert_eq!(analysis.text_status, TextStatus::Malformed, "{:?}", analysis.detail);
    assert!(analysis.detail.is_some_and(|d| d.contains("PDF")));
}

#[test]
fn a_zip_bomb_docx_is_refused_from_its_declared_size() {
    let bomb = fixture("bomb.docx");
    let subject =
        Subject { content_type: "application/zip".into(), filename: "bomb.docx".into(), size: bomb.len() as u64 };
    let analysis = analyze(&bomb, true, &subject, &Limits::default(), None);
    assert_eq!(analysis.text_status, TextStatus::Refused, "{:?}", analysis.detail);
    let detail = analysis.detail.expect("a reason");
    assert!(detail.contains("declares 1073741824 bytes"), "{detail}");
}

#[test]
fn an_archive_with_too_many_entries_is_refused() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..101 {
        zip.start_file(format!("junk/{i}"), stored).expect("entry");
    }
    zip.start_file("word/document.xml", stored).expect("entry");
    zip.write_all(b"<w:document/>").expect("write");
    let bytes = zip.finish().expect("zip").into_inner();
    let limits = Limits { max_archive_entries: 100, ..Limits::default() };
    let subject = Subject { content_type: "application/zip".into(), filename: "many.docx".into(), size: 0 };
    let analysis = analyze(&bytes, true, &subject, &limits, None);
    assert_eq!(analysis.text_status, TextStatus::Refused);
    assert!(analysis.detail.is_some_and(|d| d.contains("102 entries")));
}

#[test]
fn a_pixel_bomb_is_refused_from_its_header() {
    let analysis = run("huge.png", &fixture("huge.png"));
    assert_eq!(analysis.text_status, TextStatus::Refused);
    assert!(analysis.thumbnail.is_none());
    let detail = analysis.detail.expect("a reason");
    assert!(detail.contains("100000 × 100000"), "{detail}");
}

fn picture(format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 400, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), format).expect("encodes");
    out
}

#[test]
fn images_of_every_supported_format_get_a_png_thumbnail() {
    use image::ImageFormat as F;
    for (format, name) in [(F::Png, "a.png"), (F::Jpeg, "a.jpg"), (F::Gif, "a.gif"), (F::WebP, "a.webp")] {
        let bytes = picture(format);
        assert_eq!(format_of(&sniffed(&bytes), name), Format::Image, "{name}");
        let analysis = run(name, &bytes);
        assert_eq!(analysis.text_status, TextStatus::Unsupported, "{name}");
        let thumb = analysis.thumbnail.unwrap_or_else(|| panic!("{name}: {:?}", analysis.detail));
        assert_eq!((thumb.width, thumb.height), (320, 200), "{name}");
        assert!(thumb.png.starts_with(b"\x89PNG"), "{name}");
    }
}

#[test]
fn a_damaged_image_is_malformed() {
    let mut bytes = picture(image::ImageFormat::Png);
    bytes.truncate(bytes.len() / 2);
    let analysis = run("cut.png", &bytes);
    assert_eq!(analysis.text_status, TextStatus::Malformed, "{:?}", analysis.detail);
}

#[test]
fn files_larger_than_the_input_limit() {
    let limits = Limits { max_input_bytes: 16, ..Limits::default() };
    let pdf = fixture("sample.pdf");
    let subject = Subject { content_type: "application/pdf".into(), filename: "a.pdf".into(), size: 681 };
    let analysis = analyze(&pdf[..16], false, &subject, &limits, None);
    assert_eq!(analysis.text_status, TextStatus::TooLarge);
    // Text is read up to the limit.
    let subject = Subject { content_type: "application/octet-stream".into(), filename: "a.txt".into(), size: 681 };
    let analysis = analyze(b"The quarterly bu", false, &subject, &limits, None);
    assert_eq!((analysis.text_status, analysis.text.as_str()), (TextStatus::Extracted, "The quarterly bu"));
}

#[test]
fn text_output_is_capped() {
    let limits = Limits { max_text_bytes: 10, ..Limits::default() };
    let subject = Subject { content_type: "application/octet-stream".into(), filename: "a.txt".into(), size: 100 };
    let analysis = analyze("héllo wörld, again and again".as_bytes(), true, &subject, &limits, None);
    assert!(analysis.text.len() <= 10 && analysis.text.starts_with("héllo"), "{}", analysis.text);
}

#[test]
fn other_formats_are_found_by_name_only() {
    let subject = Subject { content_type: "application/x-executable".into(), filename: "tool".into(), size: 4 };
    let analysis = analyze(b"\x7fELF", true, &subject, &Limits::default(), None);
    assert_eq!(analysis.text_status, TextStatus::Unsupported);
    let subject = Subject { content_type: "application/octet-stream".into(), filename: "x.txt".into(), size: 4 };
    let analysis = analyze(b"\0\0\0\0", true, &subject, &Limits::default(), None);
    assert_eq!(analysis.text_status, TextStatus::Unsupported, "binary content named .txt");
}

#[test]
fn a_pdf_gets_a_thumbnail_of_its_first_page_when_pdftoppm_is_installed() {
    // The test command installs poppler-utils; without it PDFs get no thumbnail.
    let renderer = find_pdf_renderer("auto").expect("pdftoppm on the PATH (poppler-utils)");
    let scratch = tempfile::tempdir().expect("scratch");
    let pdf = fixture("sample.pdf");
    let subject = Subject { content_type: "application/pdf".into(), filename: "a.pdf".into(), size: pdf.len() as u64 };
    let analysis = analyze(&pdf, true, &subject, &Limits::default(), Some((&renderer, scratch.path())));
    let thumb = analysis.thumbnail.unwrap_or_else(|| panic!("{:?}", analysis.detail));
    assert_eq!(thumb.height, 320, "US letter, scaled to 320 px high");
    assert!(thumb.width < 320 && thumb.png.starts_with(b"\x89PNG"));
    assert_eq!(analysis.text_status, TextStatus::Extracted);
    // A damaged PDF gets neither, and says so.
    let bad = fixture("malformed.pdf");
    let analysis = analyze(&bad, true, &subject, &Limits::default(), Some((&renderer, scratch.path())));
    assert!(analysis.thumbnail.is_none());
    assert!(analysis.detail.is_some_and(|d| d.contains("no thumbnail")));
}
