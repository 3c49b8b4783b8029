"""Deployment settings, read from the environment (JIESU_*) or a .env file. Created on demand, never at import."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_SECRET = "jiesu-demo-secret-do-not-use-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIESU_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///jiesu.db"
    secret_key: str = DEMO_SECRET
    old_secret_keys: str = ""  # while rotating the secret: the previous ones, comma-separated (they still decrypt)
    demo_mode: bool = False
    work_periods: str = "09:00-12:00,13:30-18:00"
    due_soon_hours: float = 4.0
    analytics_path: str = "jiesu-analytics.duckdb"
    auto_classify_confidence: float = 0.85  # at or above: the model's category is applied at intake
    repeat_catch_up_seconds: float = 0.1  # the intake repeat check reads newly stored requests at most this often
    hotline_name: str = "12345"  # how text messages to requesters are signed: 【12345】
    public_url: str = ""  # the public address of the site, for the portal link in text messages
    notify_citizens: bool = True  # 受理 and 办结 text messages to requesters who gave a mobile number
    notify_units: bool = True  # a text to the lead unit's duty phone (units.csv duty_phone) on urgent dispatch
    sms_gateway_url: str = ""  # where `jiesu notify send` posts each message (JSON); unset: messages wait
    sms_gateway_token: str = ""  # sent as a bearer token to the gateway
    sms_inbound_token: str = ""  # the bearer token the gateway presents when it posts requesters' replies (短信评价);
    # unset: replies are not received, and the 办结 message does not ask for one
    telephony_token: str = ""  # the bearer token the telephony presents when it posts its call records (话务记录);
    # unset: none are received (a switch's export can still be loaded: jiesu calls import)
    publication_review: bool = True  # 办件公开: a case a requester agreed to publish is shown only once a supervisor
    # let it through (公开); false: as soon as its answer is final, unless withheld

    @property
    def old_secrets(self) -> tuple[str, ...]:
        return tuple(s.strip() for s in self.old_secret_keys.split(",") if s.strip())

    @property
    def uses_demo_secret(self) -> bool:
        return self.secret_key == DEMO_SECRET
