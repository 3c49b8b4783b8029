"""The relational schema. Times are stored as UTC; `UTCDateTime` gives them back timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, naive UTC in the column (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


MAX_ID = 2**31 - 1  # the largest id a row can have (an integer column on PostgreSQL): a larger number names no row

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

units = Table(
    "units", metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("parent", String(64), nullable=True),
    Column("duty_phone", String(20), nullable=True),  # 值班手机: texted on urgent dispatch
)

duty_shifts = Table(  # 值班表: who of a unit is on duty when, texted instead of its standing duty phone meanwhile
    "duty_shifts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit", String(64), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("name", String(50), nullable=False),
    Column("phone", LargeBinary, nullable=False),  # encrypted
    Column("added_by", String(100), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)
Index("ix_duty_shifts_unit_ends", duty_shifts.c.unit, duty_shifts.c.ends_at)

categories = Table(
    "categories", metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parent", String(64), nullable=True),
)

duty_items = Table(
    "duty_items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("category", String(64), nullable=False, index=True),
    Column("level", String(20), nullable=False),
    Column("duty_type", String(20), nullable=False),
    Column("unit", String(64), nullable=True),
    Column("district", String(64), nullable=True),  # a line of one district's own list for the matter (else all)
)

admissions = Table(
    "admissions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("category", String(64), nullable=False),
    Column("community", String(64), nullable=True),
)

sla_policies = Table(
    "sla_policies", metadata,
    Column("name", String(100), primary_key=True),
    Column("kind", String(20), nullable=True),
    Column("urgency", String(20), nullable=True),
    Column("category", String(64), nullable=True),
    Column("acknowledge", String(20), nullable=False),
    Column("contact", String(20), nullable=False),
    Column("resolve", String(20), nullable=False),
    Column("follow_up", String(20), nullable=False),
    Column("supervise", String(20), nullable=False),
    Column("report", String(20), nullable=True),  # 协办反馈 (optional: else by the lead's 办结时限)
)

settings_kv = Table(
    "settings_kv", metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
)

config_loads = Table(
    "config_loads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("loaded_at", UTCDateTime, nullable=False),
    Column("loaded_by", String(100), nullable=False),
    Column("source", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("summary", JSON, nullable=False),
)

calendar_years = Table(
    "calendar_years", metadata,
    Column("year", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("loaded_at", UTCDateTime, nullable=False),
    Column("loaded_by", String(100), nullable=False),
)

calendar_days = Table(
    "calendar_days", metadata,
    Column("day", Date, primary_key=True),
    Column("workday", Boolean, nullable=False),
    Column("name", String(100), nullable=False, default=""),
    Column("year", Integer, ForeignKey("calendar_years.year"), nullable=False),
)

# 工单查询's word index (`storage/text_index.py`) is not declared here: it is a different kind of table on each database
# (an FTS5 virtual table with its shadow tables on SQLite, a tsvector under a GIN index on PostgreSQL), built by
# migration 0026. Schema comparisons leave it out.
WORD_INDEX = "request_words"


def declared(name: str | None, type_: str, parent_names) -> bool:
    """Alembic's `include_name`: everything but the word index."""
    return not (type_ == "table" and name is not None and name.startswith(WORD_INDEX))


requests = Table(
    "requests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket", String(32), nullable=True, unique=True),
    Column("kind", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("content", Text, nullable=False),
    Column("keywords", String(200), nullable=False, server_default=""),  # space-separated, for display and search
    Column("supplements", Text, nullable=False, server_default=""),  # what the requester added (补充诉求), one a
    # line: its steps' notes, kept here too so that 工单查询 reads it as it reads the content
    Column("notes", Text, nullable=False, server_default=""),  # the units' 办理进展 and 协办反馈, one a line, kept
    # here for 工单查询 as the 补充诉求 are
    Column("requester_name", LargeBinary, nullable=True),  # encrypted
    Column("requester_phone", LargeBinary, nullable=True),  # encrypted
    Column("requester_key", String(64), nullable=True, index=True),  # keyed hash of the phone, for lookups
    Column("address", String(500), nullable=False, default=""),
    Column("division", String(64), nullable=True, index=True),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("category", String(64), nullable=True, index=True),
    Column("urgency", String(20), nullable=False),
    Column("status", String(30), nullable=False, index=True),
    Column("received_at", UTCDateTime, nullable=False, index=True),
    Column("lead_unit", String(64), nullable=True, index=True),
    Column("owner", String(100), nullable=True, index=True),  # 承办人员 of the lead unit (its assignment's, copied)
    Column("sla_policy", String(100), nullable=True),
    Column("resolve_due", UTCDateTime, nullable=True),
    Column("follow_up_due", UTCDateTime, nullable=True),
    Column("supervise_due", UTCDateTime, nullable=True),
    Column("supervision_count", Integer, nullable=False, default=0),
    Column("pending_return", Text, nullable=True),
    Column("pending_extension", String(20), nullable=True),
    Column("extended_by", JSON, nullable=False),
    Column("reply", Text, nullable=True),
    Column("adoption", String(20), nullable=True),  # 建议: 采纳情况 told with the reply (enums.Adoption)
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("round", Integer, nullable=False, default=1),
    Column("unreasonable", String(10), nullable=False, default="none", index=True),  # 督办台: the claims pending
    Column("master_id", Integer, ForeignKey("requests.id"), nullable=True),
    Column("merged_ids", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False, index=True),
    Column("anonymised_at", UTCDateTime, nullable=True),  # personal data removed after its keeping period (retention)
    Column("sensitive", String(200), nullable=True, index=True),  # 敏感诉求: why (NULL: not one), 督办台's list
    Column("source_ref", String(64), nullable=True, index=True),  # 来源单号: 110's 警情编号, another system's id
)

assignments = Table(
    "assignments", metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("unit", String(64), nullable=False, index=True),
    Column("role", String(10), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("dispatched_at", UTCDateTime, nullable=False, index=True),
    Column("dispatched_by", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("acknowledge_due", UTCDateTime, nullable=False),
    Column("contact_due", UTCDateTime, nullable=False, index=True),  # the 三率 of a month: 应响应件 by this
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("contacted_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("end_reason", String(20), nullable=True),
    Column("reported_at", UTCDateTime, nullable=True),  # a co-handler's last 协办反馈
    Column("owner", String(100), nullable=True),  # 承办人员 (the user name) of this unit's assignment
    Column("report_due", UTCDateTime, nullable=True),  # a co-handler's: its first 协办反馈 due by
)

follow_ups = Table(
    "follow_ups", metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("solved", Boolean, nullable=True),  # solved and satisfaction None: not reached (回访无法联系)
    Column("satisfaction", String(20), nullable=True),
    Column("unit", String(64), nullable=True),
    Column("co_units", JSON, nullable=False),
    Column("requester_ref", Integer, nullable=True),
    Column("round", Integer, nullable=False),
    Column("note", Text, nullable=False),
)

events = Table(
    "events", metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("action", String(30), nullable=False),
    Column("from_status", String(30), nullable=True),
    Column("to_status", String(30), nullable=False),
    Column("changes", JSON, nullable=False),
    Column("note", Text, nullable=False),
)

sla_breaches = Table(
    "sla_breaches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False),
    Column("limit_name", String(20), nullable=False),
    Column("due", UTCDateTime, nullable=False),
    Column("unit", String(64), nullable=True),
    Column("detected_at", UTCDateTime, nullable=False),
    UniqueConstraint("request_id", "limit_name", "due", "unit", name="uq_sla_breaches_once"),  # (a 协办反馈
    # breach is each co-handler's own; the others the lead unit's)
)

Index("ix_requests_open_due", requests.c.status, requests.c.resolve_due)

issues = Table(  # 一类事: a class of requests about one matter in one area, built by `jiesu issues build`
    "issues", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_key", String(200), nullable=False),  # category|district: issues never mix matters or districts
    Column("description", String(200), nullable=False),
    Column("keywords", String(200), nullable=False),
    Column("place", String(200), nullable=False),
    Column("population", String(50), nullable=False),
    Column("size", Integer, nullable=False),
    Column("requesters", Integer, nullable=False),
    Column("heat", Float, nullable=False),
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False, index=True),
    Column("task_id", Integer, ForeignKey("requests.id"), nullable=True),  # the root-cause task, once dispatched
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

issue_members = Table(
    "issue_members", metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),  # a case is in one issue at most
    Column("issue_id", Integer, ForeignKey("issues.id"), nullable=False, index=True),
    Column("score", Float, nullable=False),  # similarity to the issue when it joined (1.0 for founding members)
    Column("joined_at", UTCDateTime, nullable=False),
)

knowledge_articles = Table(  # 知识库: answers given on the phone without dispatching (services/knowledge.py)
    "knowledge_articles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False, unique=True),
    Column("answer", Text, nullable=False),
    Column("category", String(64), nullable=True),
    Column("keywords", String(500), nullable=False),
    Column("source", String(200), nullable=False),  # who issued the answer: a department, a policy document
    Column("valid_until", Date, nullable=True),  # an answer tied to a policy or a season is not shown after it
    Column("active", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
)

suggestion_topics = Table(  # 人民建议征集: a question the city puts to its people, open for suggestions until a day
    "suggestion_topics", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("unit", String(64), nullable=True),  # the department that asks and reads the suggestions
    Column("category", String(64), nullable=True),  # the matter asked about: the suggestions' category
    Column("closes_on", Date, nullable=False),  # the last Beijing day a suggestion is taken
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),  # closed by hand before that day
)

topic_suggestions = Table(  # the requests sent as suggestions to a topic
    "topic_suggestions", metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("topic_id", Integer, ForeignKey("suggestion_topics.id"), nullable=False, index=True),
)

publications = Table(  # 办件公开: the requester agreed to publication; a supervisor may withhold it
    "publications", metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("consented_at", UTCDateTime, nullable=False),
    Column("approved_at", UTCDateTime, nullable=True),  # reviewed and let through (where review is required)
    Column("approved_by", String(100), nullable=True),
    Column("withheld_at", UTCDateTime, nullable=True, index=True),
    Column("withheld_by", String(100), nullable=True),
    Column("withheld_reason", Text, nullable=True),
)

knowledge_proposals = Table(  # 知识采编: an answer an agent proposes for the 知识库, until an editor decides
    "knowledge_proposals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("answer", Text, nullable=False),
    Column("category", String(64), nullable=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=True),  # the case it was answered in
    Column("proposed_by", String(100), nullable=False),
    Column("proposed_at", UTCDateTime, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | accepted | declined
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("reason", Text, nullable=True),  # why it was declined
    Column("article_id", Integer, ForeignKey("knowledge_articles.id"), nullable=True),  # made from it
)

petitions = Table(  # 信访: a case also handled as a petition, on its statutory clock (domain/petition.py)
    "petitions", metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("received_on", Date, nullable=False),
    Column("stage", String(20), nullable=False, index=True),
    Column("days", JSON, nullable=False),  # action → the day it was taken (YYYY-MM-DD)
    Column("extended", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("unit", String(64), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("demo", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

open311_keys = Table(
    "open311_keys", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

citizen_access = Table(
    "citizen_access", metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("code_hash", String(64), nullable=False),
    Column("open311_token", String(64), nullable=True, unique=True),
)

attachments = Table(  # 现场照片 (encrypted, services/photos.py) and Open311 picture addresses (never fetched)
    "attachments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False, index=True),
    Column("event_seq", Integer, nullable=False),  # the step it came with (1: with the request)
    Column("content_type", String(50), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

citizen_logins = Table(  # 我的诉求: a one-time code texted to a requester's mobile, to list all their cases
    "citizen_logins", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("requester_key", String(64), nullable=False, index=True),  # the keyed hash of the phone (requests')
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),  # wrong codes tried against it
    Column("used_at", UTCDateTime, nullable=True),
)

rate_counts = Table(  # calls per client and window, shared by every server process (see api/limits.py)
    "rate_counts", metadata,
    Column("key", String(200), primary_key=True),
    Column("slot", BigInteger, primary_key=True),  # seconds since the epoch // the window's length
    Column("hits", Integer, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("principal", String(120), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

BIG_ID = BigInteger().with_variant(Integer(), "sqlite")  # 64-bit keys (SQLite's INTEGER PRIMARY KEY is already)

audit_log = Table(
    "audit_log", metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),  # grows with every case for decades (migration 0028)
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("target", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
)

sms_replies = Table(  # 短信评价: a text message a requester sent back, as the gateway passed it on
    "sms_replies", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(100), nullable=True, unique=True),  # the gateway's: a retried post is read once
    Column("received_at", UTCDateTime, nullable=False, index=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=True, index=True),  # the case it answers
    Column("requester_ref", Integer, nullable=True),  # a merged requester's case id (their callback is on the master)
    Column("text", LargeBinary, nullable=True),  # encrypted; kept only when a case of the number was found
    Column("outcome", String(20), nullable=False),  # rated | for_agent | no_case
    Column("handled_at", UTCDateTime, nullable=True),  # for_agent: when an agent marked it dealt with
    Column("handled_by", String(100), nullable=True),
)

notifications = Table(  # 短信通知 to the requester: an outbox written in the transaction of what it tells
    "notifications", metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("unit", String(64), nullable=True),  # a notice to a unit's duty phone (紧急派单); None: to the requester
    Column("code", LargeBinary, nullable=True),  # the 受理 notice's tracking code, encrypted (only its hash is kept
    # elsewhere); the text itself is written when the notice is sent, from the case
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
)


calls = Table(  # 话务记录: one call as the telephony reported it (domain/calls.py, services/calls.py)
    "calls", metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),  # every call, answered or not: faster than cases
    Column("ref", String(64), nullable=False, unique=True),  # the telephony's call id: a record sent again is kept once
    Column("caller_phone", LargeBinary, nullable=True),  # encrypted; NULL when withheld or anonymised (retention)
    Column("caller_key", String(64), nullable=True, index=True),  # keyed hash of the number, for its calls and cases
    Column("offered_at", UTCDateTime, nullable=False, index=True),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=False),
    Column("agent", String(100), nullable=True, index=True),
    Column("wrapped_at", UTCDateTime, nullable=True),  # the agent ready again after the call's 话后整理 (if reported)
    Column("received_at", UTCDateTime, nullable=False),  # when jiesu stored it
    Column("callback_tries", Integer, nullable=False, server_default="0"),  # 呼损回拨: an agent called the caller back
    Column("called_back_at", UTCDateTime, nullable=True),  # … the last time, and who
    Column("called_back_by", String(100), nullable=True),
)

call_cases = Table(  # the cases registered on a call (the softphone opens the intake with the call's id)
    "call_cases", metadata,
    Column("call_ref", String(64), primary_key=True),  # no foreign key: the record may arrive after the case
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True, index=True),
)
