"""Org units (the city, its regions and departments), users, liaisons, API tokens and the audit log."""

from __future__ import annotations

import hashlib
import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from tree_queries.models import TreeNode, TreeQuerySet

from kechuang.core.encrypted import BlindIndexField, EncryptedCharField, EncryptedEmailField
from kechuang.core.roles import BOUND_KIND, BUSINESS, CITY_WIDE, EXTERNAL, ORGANISATION_BOUND, Role
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.core.storage import SafeFileSystemStorage
from kechuang.core.validators import (
    validate_admin_code,
    validate_credit_code,
    validate_mobile,
    validate_username_not_reserved,
)


class OrgUnitQuerySet(TreeQuerySet):
    def cities(self) -> OrgUnitQuerySet:
        return self.filter(kind=OrgUnit.Kind.CITY)

    def departments(self) -> OrgUnitQuerySet:
        return self.filter(kind=OrgUnit.Kind.DEPARTMENT)

    def regions(self) -> OrgUnitQuerySet:
        return self.filter(kind=OrgUnit.Kind.REGION)


class OrgUnit(TreeNode):
    """One tree: city → regions and city → departments, loaded from the policy file."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        REGION = "region", _("Region")
        DEPARTMENT = "department", _("Department")

    class RegionKind(models.TextChoices):
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")
        ZONE = "zone", _("Functional zone")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    code = models.SlugField(_("code"), max_length=64, help_text=_("unique within its city"))
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    region_kind = models.CharField(_("region kind"), max_length=16, choices=RegionKind.choices, blank=True)
    in_partition = models.BooleanField(
        _("adds up to the city"), default=True, help_text=_("functional zones overlap their host districts")
    )
    # GB/T 2260 code: the city's own, a district's or county's own, a functional zone's host district's (zones
    # have none); departments carry their city's. Registration numbers and party codes are formed from it.
    admin_code = models.CharField(
        _("administrative code"), max_length=6, blank=True, validators=[validate_admin_code], help_text=_("GB/T 2260")
    )
    # Only a city carries its province: the comparison line of the indicators and the issuers of provincial titles.
    province_name = models.CharField(_("province"), max_length=100, blank=True)
    province_code = models.CharField(
        _("province code"), max_length=6, blank=True, validators=[validate_admin_code], help_text=_("GB/T 2260")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrgUnitQuerySet.as_manager(with_tree_fields=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        constraints = [
            models.UniqueConstraint(fields=["parent", "code"], name="orgunit_code_unique_in_parent"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(parent__isnull=True), name="orgunit_root_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def city(self) -> OrgUnit:
        """The city this unit belongs to (itself for a city)."""
        return self if self.parent_id is None else self.parent

    @property
    def bare_name(self) -> str:
        """The name without its level word, as place names prefix others (北京市 → 北京, 海淀区 → 海淀)."""
        for suffix in ("市", "区", "县"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix) + 1:
                return self.name.removesuffix(suffix)
        return self.name

    @property
    def region_code(self) -> str:
        """The GB/T 2260 code records of this unit carry: its own, else its city's."""
        return self.admin_code or self.city.admin_code


class User(AbstractUser):
    """A person with one role; officers are bound to the org unit whose records they manage."""

    # Django's field, plus the refusal of default and shared names (admin, root, test …) in every form.
    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        validators=[UnicodeUsernameValidator(), validate_username_not_reserved],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.PENDING)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    display_name = models.CharField(_("full name"), max_length=100, blank=True)
    # Identity rules (security-baseline.md, 身份鉴别 a, 访问控制 a–c): when the password last changed (it expires
    # after KECHUANG_PASSWORD_MAX_AGE_DAYS), whether the next page must be the change page (after a reset), until
    # when a temporary account may log in, and whether it is one of `load_demo`'s accounts (refused in production).
    password_changed_at = models.DateTimeField(_("password changed"), default=timezone.now)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("temporary accounts cannot log in after this day")
    )
    is_demo = models.BooleanField(_("demo account"), default=False, editable=False)
    # The organisation of an external account (roles.EXTERNAL): the firm an enterprise user acts for, an expert's
    # employer (a reviewer never sees applications of their own organisation). Staff accounts leave them empty.
    credit_code = models.CharField(
        _("organisation credit code"), max_length=18, blank=True, validators=[validate_credit_code], db_index=True
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    is_org_admin = models.BooleanField(
        _("organisation administrator"),
        default=False,
        help_text=_("manages the other accounts of the same enterprise"),
    )
    # Where the message centre sends a text message, when an SMS gateway is configured (core.messages).
    mobile = EncryptedCharField(_("mobile phone"), max_length=20, blank=True, validators=[validate_mobile])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # One administrator per enterprise (core.firm_accounts); the services check first and say so.
            models.UniqueConstraint(
                fields=["credit_code"], condition=models.Q(is_org_admin=True), name="one_org_admin_per_firm"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        super().clean()
        bound = BOUND_KIND.get(self.role)
        if bound and (self.org_unit is None or self.org_unit.kind != bound):
            raise ValidationError({"org_unit": _("This role must be bound to one %(kind)s.") % {"kind": bound}})
        city_wide = self.role in CITY_WIDE
        if city_wide and self.org_unit_id and self.org_unit.kind == OrgUnit.Kind.REGION:
            raise ValidationError({"org_unit": _("City-wide roles cannot be bound to a region.")})
        # An administrator (or an account awaiting its role) belongs at most to a department, never to a district.
        if self.role not in BUSINESS and self.org_unit_id and self.org_unit.kind == OrgUnit.Kind.REGION:
            raise ValidationError({"org_unit": _("Administrators cannot be bound to a region.")})
        if self.role in EXTERNAL and self.org_unit_id:
            raise ValidationError({"org_unit": _("Accounts outside the government are not bound to an org unit.")})
        if self.role in ORGANISATION_BOUND and not self.credit_code:
            raise ValidationError({"credit_code": _("An enterprise account must name its enterprise's credit code.")})
        if self.is_org_admin and self.role not in ORGANISATION_BOUND:
            raise ValidationError({"is_org_admin": _("Only an enterprise account can administer its organisation.")})

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def set_password(self, raw_password: str | None) -> None:
        """Every new password restarts the expiry clock and ends a pending forced change (a reset sets the flag
        again after calling this)."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords, so the last KECHUANG_PASSWORD_HISTORY cannot be reused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class Timestamped(models.Model):
    """When a record was created and last changed: the same two columns on every model that keeps them."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Archivable(models.Model):
    """A record that is archived with a reason, never deleted (DESIGN, data rules); the audit log keeps when and by
    whom. Archive through `kechuang.core.services.archive` (or `obj.archive(...)`), after the caller's rights check."""

    is_active = models.BooleanField(_("active"), default=True)
    archived_reason = models.CharField(_("reason archived"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def archive(self, *, actor: Any, reason: str) -> Archivable:
        from kechuang.core.services import archive

        return archive(self, actor=actor, reason=reason)


class Liaison(Archivable, Timestamped):
    """联络员: the contact person each region and department names for the bureau's work."""

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="liaisons")
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = EncryptedCharField(_("mobile phone"), max_length=20, blank=True, validators=[validate_mobile])
    phone_bidx = BlindIndexField(source="phone")
    email = EncryptedEmailField(_("e-mail"), blank=True)
    email_bidx = BlindIndexField(source="email")
    note = models.TextField(_("note"), blank=True)

    # Visibility follows the liaison's org unit (a region or a department), never its creator.
    data_scope = DataScope(region="org_unit", department="org_unit")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["org_unit__sort_order", "name", "id"]
        verbose_name = _("liaison")
        verbose_name_plural = _("liaisons")
        indexes = [models.Index(fields=["org_unit", "is_active"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.org_unit}）"


class ApiToken(models.Model):
    """A machine client's bearer token; only its SHA-256 is stored.

    A staff token (`credit_code` blank) acts as its user. A firm token (`credit_code` set, issued by the firm's
    administrator on the portal, core.firm_tokens) acts as a principal bound to that firm: it reaches only the API
    endpoints the modules open to enterprise accounts, for its own firm, and a read-only one only reads."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(
        _("credit code"),
        max_length=18,
        blank=True,
        db_index=True,
        help_text=_("The enterprise a firm token is bound to; blank for a staff token."),
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ_WRITE)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(
        cls, *, user: User, name: str, expires_at=None, credit_code: str = "", scope: str = "read_write"
    ) -> tuple[ApiToken, str]:
        """Create a token; the raw value is returned once and never stored."""
        raw = "kc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[3:11],
            digest=cls.digest_of(raw),
            expires_at=expires_at,
            credit_code=credit_code,
            scope=scope,
        )
        return token, raw

    def state(self) -> str:
        """valid, revoked or expired."""
        if self.revoked_at is not None:
            return "revoked"
        return "valid" if self.is_usable else "expired"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AuditEntry(models.Model):
    """One change to domain data or one security event, chained by HMAC so tampering shows."""

    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        ARCHIVE = "archive", _("Archive")
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")
        LOGIN = "login", _("Log in")
        LOGOUT = "logout", _("Log out")
        LOGIN_FAILED = "login_failed", _("Failed log-in")
        TOKEN = "token", _("API token")
        LOCKOUT = "lockout", _("Account locked")
        DENIED = "denied", _("Access denied")
        VIEW_AUDIT = "view_audit", _("Audit log viewed")
        UNMASK = "unmask", _("Personal data unmasked")
        BACKUP = "backup", _("Backup")
        RESTORE = "restore", _("Restore")
        PURGE = "purge", _("Purge")
        CONSENT = "consent", _("Consent given or withdrawn")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # PROTECT: audit rows are never updated (the database refuses it), so a user with entries is deactivated,
    # never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(_("user"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True, help_text="{field: [before, after]}")
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    success = models.BooleanField(_("succeeded"), default=True)
    chain = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"


class AuditAnchor(models.Model):
    """One retention purge of the audit log: the chain value of the last purged entry, so the entries kept still
    verify from there (core/audit.py `purge`). Signed with the audit key; append-only like the log itself."""

    at = models.DateTimeField(default=timezone.now)
    upto_id = models.BigIntegerField(help_text="entries with an id up to this one were purged")
    chain = models.CharField(max_length=64, help_text="chain value of entry `upto_id`")
    purged = models.PositiveIntegerField()
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["-upto_id"]

    def __str__(self) -> str:
        return f"audit purge up to #{self.upto_id}"


class ImportStorage(SafeFileSystemStorage):
    """Uploads and error workbooks of imports: private files under KECHUANG_IMPORT_DIR, never served as media.
    The folder is read from the settings on each use (the tests point it elsewhere)."""

    @property
    def base_location(self) -> str:
        return str(settings.KECHUANG_IMPORT_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def _import_storage() -> ImportStorage:
    return ImportStorage()


class ImportJob(models.Model):
    """One uploaded file and its all-or-nothing import (core/imports.py), with progress for the job page to poll.

    Every module's import is one: `kind` names the importer (`enterprises`, `indicators`, `techmarket.demand`…)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", pgettext_lazy("import job", "Rejected")

    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    upload = models.FileField(storage=_import_storage, upload_to="uploads/", max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows checked"), default=0)
    counts = models.JSONField(_("counts"), default=dict)
    errors = models.JSONField(_("errors"), default=list)
    # The requester's language: the worker has none of its own, and the stored reasons must read as the page did.
    language = models.CharField(_("language"), max_length=10, blank=True)
    error_workbook = models.FileField(storage=_import_storage, upload_to="errors/", max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["actor", "kind"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return round(self.done * 100 / self.total) if self.total else (100 if self.finished else 0)


class SubmissionReceipt(models.Model):
    """A form a signed-in user sent, kept a day with where it led (core.submissions): the same rendered form sent
    again (a double click, a retry after a slow answer, the back button) gets the first one's answer instead of
    being run a second time. Holds a hash of the submission, never its content."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+")
    # Where the first submission's answer sent the user; empty while it is still being processed.
    location = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.key[:12]


class Notice(models.Model):
    """A versioned privacy notice (PIPL arts. 17, 30): what a public form tells the person before they consent.
    A new text is a new version; consents name the version they were given to."""

    purpose = models.CharField(_("purpose"), max_length=64, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    effective_from = models.DateTimeField(_("effective from"), default=timezone.now)

    class Meta:
        ordering = ["purpose", "-version"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        constraints = [models.UniqueConstraint(fields=["purpose", "version"], name="notice_purpose_version")]

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version}"


class ConsentRecord(models.Model):
    """One person's consent to one notice version, for one purpose and one record (PIPL arts. 14, 15): the
    contact is encrypted (lookup by blind index); withdrawal is a time, never a deletion."""

    class Channel(models.TextChoices):
        PUBLIC_FORM = "public_form", _("Public form")

    subject_contact = EncryptedCharField(_("contact"), max_length=254)
    subject_contact_bidx = BlindIndexField(source="subject_contact")
    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=64, db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.purpose})"


class Message(models.Model):
    """One message of the message centre (消息中心) to one account, from any module: a returned application, a
    deadline, an expiring qualification, a new call that fits. `key` makes a reminder idempotent: the same key to
    the same account is stored (and mailed) once. `about_type`/`about_id` name the record the message is about
    ("app_label.model" and its id, as the audit log names objects), so the module that owns the record can tell a
    message that still needs action from one already handled (registry hook `message_needs_action`)."""

    class Kind(models.TextChoices):
        DEADLINE = "deadline", _("Deadline")
        OVERDUE = "overdue", _("Overdue")
        RETURNED = "returned", _("Returned")
        REVIEW = "review", _("To review")
        DECISION = "decision", _("Decision")
        EXPIRING = "expiring", _("Expiring")
        OPPORTUNITY = "opportunity", _("New opportunity")
        REMINDER = "reminder", _("Reminder")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="inbox"
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(max_length=160, blank=True, editable=False)
    about_type = models.CharField(max_length=100, blank=True, editable=False)
    about_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    texted_at = models.DateTimeField(_("text message sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["user", "about_type", "about_id"], name="message_about"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~models.Q(key=""), name="message_once"),
        ]

    def __str__(self) -> str:
        return self.subject


class AccountRequest(models.Model):
    """A firm's request for an enterprise portal account (core.firm_accounts), from the public registration page.

    It waits for the district officer of the firm's region (or the bureau) to confirm or refuse it, unless a valid
    invitation code came with it (then the account is created at once). The account itself is only created on
    confirmation: a pending or refused request cannot log in because there is no account. The chosen password is
    kept as its hash (as an account's is) and blanked when the request is decided."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Not confirmed")
        INVITED = "invited", _("Activated with an invitation code")

    credit_code = models.CharField(_("credit code"), max_length=18, validators=[validate_credit_code], db_index=True)
    organisation = models.CharField(_("enterprise name"), max_length=200)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    contact_name = EncryptedCharField(_("contact name"), max_length=100)
    email = EncryptedEmailField(_("e-mail"), max_length=254)
    mobile = EncryptedCharField(_("mobile phone"), max_length=20, validators=[validate_mobile])
    username = models.CharField(_("user name"), max_length=150, db_index=True)
    password = models.CharField(max_length=128, blank=True, editable=False)
    # Asked as the firm's administrator (no administrator yet), or as one more user of a firm that has one.
    as_admin = models.BooleanField(_("as the enterprise's administrator"), default=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("account request")
        verbose_name_plural = _("account requests")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.username}"


class InvitationCode(models.Model):
    """A one-time code the bureau or a district issues to one firm: a registration with it (for that credit code,
    before it expires, not revoked, not used) is activated at once. Only a keyed hash of the code is stored; the
    code is shown once, to the issuer."""

    credit_code = models.CharField(_("credit code"), max_length=18, validators=[validate_credit_code], db_index=True)
    organisation = models.CharField(_("enterprise name"), max_length=200, blank=True)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("code ends with"), max_length=4, editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("invitation code")
        verbose_name_plural = _("invitation codes")

    def __str__(self) -> str:
        return f"{self.credit_code} ····{self.hint}"

    def state(self, now: Any = None) -> str:
        now = now or timezone.now()
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "valid"
