#!/usr/bin/env python3
"""Seeds a running Cabinet with real objects for the API fuzzer and writes
the schemathesis configuration that names them.

Two people, each owning a workspace; in the fuzzed one a folder, a document
with two versions, a share link, a webhook, an API key and the other person
as a member. Operations that destroy what they are given (DELETE) get
objects of their own, so that the rest of the run still finds its objects.
Usage: fuzz-seed.py BASE_URL CONFIG_OUT; prints the access token to use.
"""

import json
import sys
import urllib.error
import urllib.request

BASE, OUT = sys.argv[1], sys.argv[2]
PASSWORD = "a long passphrase"


def call(method, path, body=None, token=None, raw=None, content_type="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        request.add_header("content-type", content_type)
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
    except urllib.error.HTTPError as refused:
        sys.exit(f"seeding failed: {method} {path} answered {refused.code}: {refused.read().decode(errors='replace')}")
    return json.loads(text) if text else None


def person(email, name):
    user = call("POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, "display_name": name})
    token = call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})["access_token"]
    return user, token


def upload(token, ws, folder, name, text):
    path = f"/api/v1/workspaces/{ws}/folders/{folder}/documents?name={name}"
    return call("POST", path, token=token, raw=text.encode(), content_type="text/plain")


fuzz, token = person("fuzz@example.com", "Fuzz")
other, other_token = person("other@example.com", "Other")
spare, _ = person("spare@example.com", "Spare")
ws = call("POST", "/api/v1/workspaces", {"name": "Fuzzed"}, token)
theirs = call("POST", "/api/v1/workspaces", {"name": "Someone else's"}, other_token)
doomed = call("POST", "/api/v1/workspaces", {"name": "To delete"}, token)
w, root = ws["id"], ws["root_folder_id"]

folder = call("POST", f"/api/v1/workspaces/{w}/folders", {"name": "Reports", "parent_id": root}, token)
doc = upload(token, w, folder["id"], "q3.txt", "Quarterly figures\n")
call("POST", f"/api/v1/workspaces/{w}/documents/{doc['id']}/versions", token=token, raw=b"Revised figures\n",
     content_type="text/plain")
link = call("POST", f"/api/v1/workspaces/{w}/documents/{doc['id']}/shares", {}, token)
hook = call("POST", f"/api/v1/workspaces/{w}/webhooks", {"url": "http://127.0.0.1:9/cabinet"}, token)
key = call("POST", f"/api/v1/workspaces/{w}/api-keys", {"name": "ci", "role": "viewer"}, token)
call("POST", f"/api/v1/workspaces/{w}/members", {"email": "other@example.com", "role": "editor"}, token)
call("POST", f"/api/v1/workspaces/{w}/members", {"email": "spare@example.com", "role": "viewer"}, token)

# What DELETE operations may take away.
spare_folder = call("POST", f"/api/v1/workspaces/{w}/folders", {"name": "Old", "parent_id": root}, token)
spare_doc = upload(token, w, root, "old.txt", "Old notes\n")
spare_link = call("POST", f"/api/v1/workspaces/{w}/documents/{spare_doc['id']}/shares", {}, token)
spare_hook = call("POST", f"/api/v1/workspaces/{w}/webhooks", {"url": "http://127.0.0.1:9/old"}, token)
spare_key = call("POST", f"/api/v1/workspaces/{w}/api-keys", {"name": "old", "role": "viewer"}, token)
trashed_doc = upload(token, w, root, "trashed.txt", "Gone soon\n")
call("DELETE", f"/api/v1/workspaces/{w}/documents/{trashed_doc['id']}", token=token)
trashed_folder = call("POST", f"/api/v1/workspaces/{w}/folders", {"name": "Trashed", "parent_id": root}, token)
call("DELETE", f"/api/v1/workspaces/{w}/folders/{trashed_folder['id']}", token=token)


def toml_string(value):
    return json.dumps(str(value))


def toml_value(value):
    return str(value) if isinstance(value, int) else toml_string(value)


def operation(selector, parameters):
    lines = ["[[operations]]"] + [f"{k} = {toml_string(v)}" for k, v in selector.items()]
    pairs = ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in parameters.items())
    return "\n".join(lines + [f"parameters = {{ {pairs} }}", ""])


doc_id, link_token = doc["id"], link["token"]
general = {
    "path.ws": w,
    "path.n": 1,
    "path.token": link_token,
    "path.user_id": other["id"],
    "path.key_id": key["id"],
    "path.link_id": link["id"],
}


def on(selector, **parameters):
    """An operation's objects; the first entry that matches an operation wins."""
    return operation(selector, {**general, **{f"path.{k}": v for k, v in parameters.items()}})


def delete(path, **parameters):
    return on({"include-path": f"/api/v1/workspaces/{{ws}}{path}", "include-method": "DELETE"}, **parameters)


sections = [
    # A multipart form's text fields are text whatever they spell: "1e-38" is
    # a name, not a number, so no form the fuzzer calls "negative" is one.
    "[[operations]]",
    'include-path-regex = "/(folders/\\\\{id\\\\}/documents|documents/\\\\{id\\\\}/versions)$"',
    'include-method = "POST"',
    "checks.negative_data_rejection.enabled = false",
    "",
    # Destructive operations first, each on what is there to lose.
    delete("", ws=doomed["id"]),
    delete("/documents/{id}", id=spare_doc["id"]),
    delete("/folders/{id}", id=spare_folder["id"]),
    delete("/webhooks/{id}", id=spare_hook["id"]),
    delete("/api-keys/{key_id}", key_id=spare_key["id"]),
    delete("/shares/{link_id}", link_id=spare_link["id"]),
    delete("/members/{user_id}", user_id=spare["id"]),
    delete("/trash/documents/{id}", id=trashed_doc["id"]),
    delete("/trash/folders/{id}", id=trashed_folder["id"]),
    # Another person's workspace answers as if it did not exist.
    on({"include-path": "/api/v1/workspaces/{ws}/usage"}, ws=theirs["id"]),
    # Everything else in the fuzzed workspace, on the objects that stay.
    on({"include-path-regex": "/workspaces/\\{ws\\}/documents/\\{id\\}"}, id=doc_id),
    on({"include-path-regex": "/workspaces/\\{ws\\}/folders/\\{id\\}"}, id=folder["id"]),
    on({"include-path-regex": "/workspaces/\\{ws\\}/webhooks/\\{id\\}"}, id=hook["id"]),
    "[parameters]",
    *[f"{toml_string(k)} = {toml_value(v)}" for k, v in general.items()],
    "",
]
with open(OUT, "w", encoding="utf-8") as config:
    config.write("\n".join(sections))
print(token)
