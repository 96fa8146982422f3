//! The pages problem documents' `type` URIs point at: one per code, saying
//! when it is sent and what a client can do, and an index of them all.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::{ApiError, ProblemCode};

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The explanation with its `code` spans, which are Markdown-ish backticks in the table.
fn render(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, s)| if i % 2 == 1 { format!("<code>{s}</code>") } else { s.to_owned() })
        .collect()
}

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
             <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}}\
             code{{background:#f3f3f3;padding:0 .2em}}td{{padding:.2em .6em;vertical-align:top}}</style></head>\
             <body>{body}</body></html>",
            escape(title)
        ))
}

/// `GET /problems/{code}`: what one code means.
pub async fn one(code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code =
        ProblemCode::parse(&code).ok_or_else(|| ApiError::new(ProblemCode::RouteNotFound, "no such problem code"))?;
    let body = format!(
        "<h1>{title}</h1><p><code>{code}</code> · HTTP {status}</p><p>{explanation}</p>\
         <p><a href=\"/problems\">Every problem code</a></p>",
        title = escape(code.title()),
        code = code.as_str(),
        status = code.status().as_u16(),
        explanation = render(code.explanation()),
    );
    Ok(page(code.title(), &body))
}

/// `GET /problems`: every code.
pub async fn index() -> HttpResponse {
    let rows: String = ProblemCode::ALL
        .iter()
        .map(|c| {
            format!(
                "<tr><td><a href=\"{uri}\"><code>{code}</code></a></td><td>{status}</td><td>{explanation}</td></tr>",
                uri = c.type_uri(),
                code = c.as_str(),
                status = c.status().as_u16(),
                explanation = render(c.explanation()),
            )
        })
        .collect();
    page(
        "Cabinet problem codes",
        &format!(
            "<h1>Problem codes</h1><p>Every error Cabinet's API answers with is an RFC 9457 problem document \
             whose <code>code</code> is one of these.</p><table>{rows}</table>"
        ),
    )
}
