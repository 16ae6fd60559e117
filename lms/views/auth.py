"""Sign-up, log in, log out, password-reset links and e-mail confirmation links."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_timedelta, get_locale
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user

from lms import (
    accounts,
    email_confirmation,
    forgot_password,
    login_throttle,
    password_reset,
    site_settings,
)
from lms.authentication import sign_in, sign_out
from lms.extensions import limiter
from lms.forms import (
    ForgotPasswordForm,
    LoginForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    SignupForm,
    show_error,
)
from lms.security import safe_next_url
from lms.service_error import ServiceError, refused

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_IP"],
    key_func=login_throttle.account_and_ip_key,
    methods=["POST"],
    deduct_when=login_throttle.failed,
    on_breach=login_throttle.throttled_account_and_ip,
    scope="login-pair",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
    methods=["POST"],
    deduct_when=login_throttle.failed,
    on_breach=login_throttle.throttled_ip,
    scope="login-ip",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=login_throttle.account_key,
    methods=["POST"],
    deduct_when=login_throttle.failed,
    exempt_when=login_throttle.known_device,
    on_breach=login_throttle.throttled_account,
    scope="login-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next")) or ""
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except accounts.EmailNotConfirmed as error:
            show_error(form, error)
            resend_form = ResendConfirmationForm(email=error.email)
            # 403: the password was right, so the login limits do not count it.
            return render_template("auth/login.html", form=form, resend_form=resend_form), 403
        if user is not None:
            sign_in(user)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            response = redirect(safe_next_url(form.next.data) or url_for("main.dashboard"))
            return login_throttle.remember_device(response, user.email)
        form.form_errors.append(_("The email or password is not correct."))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:  # CSRF is checked for every POST by CSRFProtect
        sign_out(current_user)
        flash(_("You have been logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["SIGNUP_LIMIT_PER_IP"], methods=["POST"], scope="signup-ip"
)
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    if not site_settings.signup_open():
        return render_template("auth/signup_closed.html"), 403
    form = SignupForm()
    if request.method == "GET":
        locale = str(get_locale() or "en")
        form.language.data = locale if locale in current_app.config["LANGUAGES"] else "en"
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                full_name=form.full_name.data,
                language=form.language.data,
                email_confirmed=False,
            )
        except accounts.AccountError as error:
            show_error(form, error)
        else:
            email_confirmation.signed_up(user)
            if site_settings.email_confirmation_required():
                flash(
                    _(
                        "Your account is created. Open the link we sent to %(email)s to "
                        "confirm your address, then log in.",
                        email=user.email,
                    ),
                    "success",
                )
                return redirect(url_for("auth.login"))
            sign_in(user)
            flash(_("Your account is ready. Welcome, %(name)s!", name=user.display_name), "success")
            flash(
                _(
                    "We sent a link to %(email)s: open it to confirm your address.",
                    email=user.email,
                ),
                "info",
            )
            return redirect(url_for("main.dashboard"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/signup.html", form=form), status


@bp.get("/confirm-email/<token>")
def confirm_email(token: str):
    """A confirmation link from a message (lms/email_confirmation.py explains why a GET)."""
    try:
        user, outcome = email_confirmation.confirm(token)
    except email_confirmation.AddressTaken as error:
        return render_template("auth/confirm_failed.html", message=refused(error)), 409
    except ServiceError as error:
        return render_template("auth/confirm_failed.html", message=refused(error)), 400
    if outcome is email_confirmation.Outcome.CHANGED:
        flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
    elif outcome is email_confirmation.Outcome.ALREADY:
        flash(_("Your e-mail address %(email)s is already confirmed.", email=user.email), "info")
    else:
        flash(
            _("Thank you: your e-mail address %(email)s is confirmed.", email=user.email), "success"
        )
    if current_user.is_authenticated:
        return redirect(url_for("account.profile"))
    return redirect(url_for("auth.login"))


def _resend_email_key() -> str:
    return f"confirm-email:{forgot_password.requested_email()}"


def _resend_throttled(limit: RequestLimit) -> Response:
    form = LoginForm()
    form.form_errors.append(
        _(
            "Too many requests for a confirmation link. Try again in %(wait)s.",
            wait=format_timedelta(
                timedelta(seconds=login_throttle.wait_seconds(limit)),
                threshold=1,
                add_direction=False,
            ),
        )
    )
    response = current_app.make_response((render_template("auth/login.html", form=form), 429))
    response.headers["Retry-After"] = str(login_throttle.wait_seconds(limit))
    return response


@bp.post("/confirm-email/resend")
@limiter.limit(
    lambda: current_app.config["CONFIRM_LIMIT_PER_IP"],
    on_breach=_resend_throttled,
    scope="confirm-ip",
)
@limiter.limit(
    lambda: current_app.config["CONFIRM_LIMIT_PER_EMAIL"],
    key_func=_resend_email_key,
    on_breach=_resend_throttled,
    scope="confirm-email",
)
def resend_confirmation():
    """ "Send the link again" on the log-in page: the same answer for every address."""
    form = ResendConfirmationForm()
    if not form.validate_on_submit():
        abort(400)
    email_confirmation.resend_for_address(form.email.data)
    flash(
        _(
            "If an account with this address is waiting for confirmation, we sent it a new "
            "link. Check your inbox (and the spam folder) in a few minutes."
        ),
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["FORGOT_LIMIT_PER_IP"],
    methods=["POST"],
    on_breach=forgot_password.throttled,
    scope="forgot-ip",
)
@limiter.limit(
    lambda: current_app.config["FORGOT_LIMIT_PER_EMAIL"],
    key_func=forgot_password.email_key,
    methods=["POST"],
    on_breach=forgot_password.throttled,
    scope="forgot-email",
)
def forgot():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        forgot_password.ask_for_link(form.email.data)
        return render_template("auth/forgot_password.html", form=form, sent=True)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form, sent=False), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    reset = password_reset.find_valid_reset(token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm(
        user_email=reset.user.email, user_names=(reset.user.display_name, reset.user.full_name)
    )
    if form.validate_on_submit():
        try:
            password_reset.use_reset_token(reset, form.password.data)
        except accounts.AccountError as error:
            show_error(form, error)
        except LookupError:
            return render_template("auth/reset_invalid.html"), 404
        else:
            if current_user.is_authenticated and current_user.id == reset.user_id:
                sign_out(current_user)
            flash(_("Your new password is set. Log in with it now."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form, user=reset.user), status
