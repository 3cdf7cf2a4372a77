"""The API's documentation as a plain page drawn from the OpenAPI document: no script, no CDN."""
from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")
METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/docs")
def docs():
    spec = current_app.extensions["timebank-api"].spec.to_dict()
    operations = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                operations.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "tag": (operation.get("tags") or [""])[0],
                        "summary": operation.get("summary", ""),
                        "description": operation.get("description", ""),
                        "parameters": item.get("parameters", []) + operation.get("parameters", []),
                        "body": _schema_name(operation.get("requestBody", {})),
                        "responses": {code: _schema_name(r) or r.get("$ref", "").rsplit("/", 1)[-1] for code, r in operation.get("responses", {}).items()},
                    }
                )
    return render_template("api/docs.html", spec=spec, operations=operations)


def _schema_name(part: dict) -> str:
    for media in part.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        if ref:
            return ref.rsplit("/", 1)[-1]
        items = media.get("schema", {}).get("items", {}).get("$ref", "")
        if items:
            return "list of " + items.rsplit("/", 1)[-1]
    return ""
