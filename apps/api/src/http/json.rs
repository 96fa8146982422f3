//! JSON request bodies, which must be objects.
//!
//! serde reads a struct from a JSON array as well as from an object (`[null,
//! null]` fills the fields in order), so actix's `Json<T>` would accept a
//! body the API documents as invalid. Every body is read as an object first
//! and only then as `T`.

use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// A JSON object request body, read as `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The app's JsonConfig (size limit, problem documents) applies to this read.
        let object = web::Json::<serde_json::Map<String, serde_json::Value>>::from_request(req, payload);
        Box::pin(async move {
            let web::Json(object) = object.await?;
            serde_json::from_value(serde_json::Value::Object(object))
                .map(Json)
                .map_err(|e| crate::problem::json_error(JsonPayloadError::Deserialize(e)).into())
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "read by the extractor only")]
    struct Rename {
        name: Option<String>,
        parent_id: Option<String>,
    }

    async fn extract(body: &'static str) -> Result<Json<Rename>, actix_web::Error> {
        // As the app configures it: refusals are problem documents.
        let config = web::JsonConfig::default().error_handler(|e, _| crate::problem::json_error(e).into());
        let (req, mut payload) = TestRequest::default()
            .app_data(config)
            .insert_header(("content-type", "application/json"))
            .set_payload(body)
            .to_http_parts();
        Json::<Rename>::from_request(&req, &mut payload).await
    }

    #[actix_web::test]
    async fn an_array_is_not_an_object_even_where_serde_would_read_one() {
        assert!(serde_json::from_str::<Rename>("[null, null]").is_ok(), "serde alone takes it");
        let refused = extract("[null, null]").await.expect_err("refused");
        assert_eq!(refused.as_response_error().status_code(), actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
        let read = extract(r#"{"name": "Q3"}"#).await.expect("an object");
        assert_eq!(read.name.as_deref(), Some("Q3"));
    }
}
