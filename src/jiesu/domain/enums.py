"""Choice sets of the domain. Values are stable English codes; `label` gives the Chinese term."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry a Chinese label and can be parsed from code or label."""

    @property
    def label(self) -> str:
        return type(self)._labels()[self.value]  # type: ignore[operator]

    @classmethod
    def _labels(cls) -> dict[str, str]:  # overridden by subclasses
        return {}

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored code, the code itself when it is not one of ours, "" for none (lists, exports)."""
        try:
            return cls(value).label if value else ""
        except ValueError:
            return value or ""

    @classmethod
    def parse(cls, value: str, field: str):
        from jiesu.domain.errors import InvalidInput

        text = (value or "").strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        choices = "、".join(f"{m.value}({m.label})" for m in cls)
        raise InvalidInput(f"未知取值 {text!r}，可选：{choices}", field=field)


class RequestKind(LabelledEnum):
    INQUIRY = "inquiry"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    OTHER = "other"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"inquiry": "咨询", "help": "求助", "complaint": "投诉", "report": "举报",
                "suggestion": "建议", "praise": "表扬", "other": "其他"}


class Channel(LabelledEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    GRID = "grid"
    WALK_IN = "walk_in"
    OPEN311 = "open311"
    SUGGESTION = "suggestion"
    EMAIL = "email"
    PROACTIVE = "proactive"  # a task the centre opens itself, e.g. the root cause of a class of requests
    POLICE = "police"  # 110 转来: a call to 110 that is not a police matter (非警务求助), passed to 12345 with its 警情编号

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"phone": "电话", "web": "网站", "app": "小程序/APP", "grid": "网格员",
                "walk_in": "窗口", "open311": "Open311", "suggestion": "人民建议征集", "email": "邮件",
                "proactive": "主动治理", "police": "110 转来"}


class EmergencyLine(LabelledEnum):
    """The emergency lines a 12345 centre is linked with (紧急热线联动): a call that is theirs is passed on to them at
    once, by a three-way call (三方转接), and the case records to whom and who took it."""

    POLICE = "110"
    FIRE = "119"
    AMBULANCE = "120"
    TRAFFIC = "122"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"110": "110 报警", "119": "119 火警", "120": "120 急救", "122": "122 交通事故"}


class Urgency(LabelledEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    NORMAL = "normal"
    COMPLEX = "complex"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"emergency": "紧急", "urgent": "加急", "normal": "一般", "complex": "疑难复杂"}

    @property
    def rank(self) -> int:
        """How soon it must be handled: 紧急 first, 疑难复杂 (longer limits) last."""
        return {"emergency": 3, "urgent": 2, "normal": 1, "complex": 0}[self.value]


class Satisfaction(LabelledEnum):
    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}


class Adoption(LabelledEnum):
    """采纳情况: what the unit made of a 建议, told with its reply (人民建议征集's 采纳)."""

    ADOPTED = "adopted"
    PARTLY = "partly"
    REFERENCE = "reference"
    NOT_ADOPTED = "not_adopted"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"adopted": "采纳", "partly": "部分采纳", "reference": "留作参考", "not_adopted": "暂不采纳"}


class UnitKind(LabelledEnum):
    CENTRE = "centre"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    COMMUNITY = "community"
    DEPARTMENT = "department"
    COMPANY = "company"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"centre": "热线中心", "district": "区", "subdistrict": "街道/乡镇",
                "community": "社区/村", "department": "部门", "company": "公共服务企业"}

    @property
    def is_grassroots(self) -> bool:
        return self in (UnitKind.SUBDISTRICT, UnitKind.COMMUNITY)

    @property
    def is_territorial(self) -> bool:
        return self in (UnitKind.DISTRICT, UnitKind.SUBDISTRICT, UnitKind.COMMUNITY)


class DutyType(LabelledEnum):
    BASIC = "basic"
    COOPERATE = "cooperate"
    TAKEN_BACK = "taken_back"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"basic": "基本履职", "cooperate": "配合履职", "taken_back": "上级收回"}


class Role(LabelledEnum):
    AGENT = "agent"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    ADMIN = "admin"
    CITIZEN = "citizen"
    SYSTEM = "system"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"agent": "坐席", "dispatcher": "派单员", "handler": "承办人", "supervisor": "督办",
                "analyst": "分析员", "admin": "管理员", "citizen": "诉求人", "system": "系统"}
