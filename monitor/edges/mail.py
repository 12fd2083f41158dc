"""Email over SMTP: the digest as plain text plus HTML, STARTTLS and login when configured."""

from __future__ import annotations

from email.message import EmailMessage

from monitor.config import EmailConfig
from monitor.errors import DeliveryError


def build_email(
    subject: str, text: str, html: str, sender: str, to: tuple[str, ...]
) -> EmailMessage:
    """multipart/alternative: plain text first, then HTML (with inline styles)."""
    from email.utils import formatdate, make_msgid

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="cyberwellness-monitor")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send_email(message: EmailMessage, settings: EmailConfig) -> None:
    """Send through SMTP (STARTTLS and login when configured; password from the environment).

    Every failure (refused connection, TLS, authentication, a refused message, a timeout)
    becomes one ``DeliveryError`` naming the server and the cause.
    """
    import smtplib
    import ssl

    where = f"{settings.host}:{settings.port}"
    if settings.username and not settings.password():
        raise DeliveryError(
            f"email via {where}: username is set but ${settings.password_env} is empty"
        )
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.username:
                smtp.login(settings.username, settings.password() or "")
            refused = smtp.send_message(message)
        if refused:
            raise DeliveryError(f"email via {where}: recipients refused: {', '.join(refused)}")
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"email via {where}: login refused ({exc.smtp_code})") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            f"email via {where}: recipients refused: {', '.join(exc.recipients)}"
        ) from exc
    except smtplib.SMTPResponseException as exc:
        detail = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        raise DeliveryError(f"email via {where}: server said {exc.smtp_code} {detail}") from exc
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise DeliveryError(f"email via {where}: {type(exc).__name__}: {exc}") from exc
    except TimeoutError as exc:
        raise DeliveryError(f"email via {where}: timed out") from exc
    except OSError as exc:
        raise DeliveryError(f"email via {where}: cannot connect ({exc.strerror or exc})") from exc
