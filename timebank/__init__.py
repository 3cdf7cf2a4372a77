"""Timebank: a double-entry reciprocity ledger for co-production in health and social care."""
from pathlib import Path

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from .extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config=None) -> Flask:
    """Build the app. `config` is a config class or object; by default TIMEBANK_ENV chooses one."""
    from config import INSTANCE_DIR, config_from_env

    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config or config_from_env())
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in this environment")
    INSTANCE_DIR.mkdir(exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    _register_body_limits(app)  # before CSRFProtect, which reads the body first
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)

    from .database import configure_engine
    from .formatting import register_filters

    with app.app_context():
        configure_engine(db.engine, app.config)

    from . import mail, models, security_log  # noqa: F401  (register the tables, and sending mail on commit)
    from .api import init_api
    from .auth import bp as auth_bp
    from .cli import register_cli
    from .coordinate import bp as coordinate_bp
    from .main import bp as main_bp
    from .member import bp as member_bp
    from .reports import bp as reports_bp
    from .tasks import init_tasks
    from .web.args import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(member_bp)
    app.register_blueprint(coordinate_bp)
    app.register_blueprint(reports_bp)
    init_api(app)
    register_cli(app)
    init_tasks(app)
    security_log.init_app(app)
    register_filters(app)
    _register_error_pages(app)
    _register_template_globals(app)
    _register_security_headers(app)
    return app


def _select_locale():
    from flask import has_request_context, request

    if not has_request_context():
        return "en"
    return request.accept_languages.best_match(["en"]) or "en"


def _register_error_pages(app: Flask) -> None:
    # Under /api/ each of these answers a JSON problem instead (a 404 or 405 from routing never
    # reaches the API's own blueprints).
    from .api.problems import app_error_response

    @app.errorhandler(404)
    def not_found(error):
        return app_error_response(error) or (render_template("errors/404.html"), 404)

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return app_error_response(error) or (render_template("errors/csrf.html"), 400)

    @app.errorhandler(429)
    def too_many(error):
        return app_error_response(error) or (render_template("errors/429.html"), 429)

    @app.errorhandler(413)
    def too_large(error):
        return app_error_response(error) or (render_template("errors/413.html"), 413)

    @app.errorhandler(405)
    def method_not_allowed(error):
        return app_error_response(error) or (render_template("errors/405.html"), 405)

    @app.errorhandler(500)
    def server_error(error):
        problem = app_error_response(error)
        if problem is not None:
            return problem
        db.session.rollback()
        # Not render_template: its context processors would load the signed-in user from a
        # database that may be the very thing that failed.
        return app.jinja_env.get_template("errors/500.html").render(), 500


def _register_template_globals(app: Flask) -> None:
    from flask_login import current_user

    from .services.notifications import unread_count

    @app.context_processor
    def header_helpers():
        # Functions, so that only pages that show them ask the database.
        from .services.access import account_memberships, coordinator_memberships, viewable_communities

        return {
            "unread_notifications": lambda: unread_count(current_user.id) if current_user.is_authenticated else 0,
            "is_coordinator": lambda: current_user.is_authenticated and bool(coordinator_memberships(current_user.id)),
            "sees_reports": lambda: bool(viewable_communities(current_user)),
            # What member_required asks (member_context): the member pages answer 403 without one.
            "has_time_account": lambda: current_user.is_authenticated and bool(account_memberships(current_user.id)),
        }


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        from flask import request

        if request.endpoint != "static":
            # Personal pages must not be kept by the browser or a shared proxy (ASVS 14.3.2).
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("HSTS"):
            response.headers.setdefault("Strict-Transport-Security", app.config["HSTS"])
        return response


def _register_body_limits(app: Flask) -> None:
    # MAX_CONTENT_LENGTH bounds every body; the ledger import page takes a larger file.
    @app.before_request
    def allow_import_files():
        from flask import request

        if request.endpoint == "coordinate.ledger_import":
            request.max_content_length = app.config["IMPORT_MAX_CONTENT_LENGTH"]
