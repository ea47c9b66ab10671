from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import OrgUnit
from kechuang.policy.models import Task
from kechuang.supervision import uploads
from kechuang.supervision.models import Milestone, ProgressReport

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int, choices=[(q, f"Q{q}") for q in (1, 2, 3, 4)])
    due_date = forms.DateField(label=_("Due date (lead departments to the bureau)"), widget=DATE)
    supporters_due_date = forms.DateField(
        label=_("Due date (supporting departments to the lead)"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty to use the same date."),
    )


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_date", "department", "targets", "note"]
        widgets = {"due_date": DATE, "targets": forms.CheckboxSelectMultiple}

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = OrgUnit.objects.filter(task_links__task=task).order_by(
            "task_links__role", "task_links__order"
        )
        self.fields["targets"].queryset = task.targets.all()
        self.fields["targets"].help_text = _("The task's structured targets this milestone serves.")


class ReportForm(forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = ["work_done", "figures_text", "problems", "next_steps", "milestones_reached"]
        widgets = {
            "work_done": forms.Textarea(attrs={"rows": 6}),
            "figures_text": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
            "milestones_reached": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "work_done": _("What was done this period: measures, results, documents issued."),
            "figures_text": _("Key figures in words (the structured figures go below)."),
            "milestones_reached": _("Tick the milestones completed; they count as done once the bureau accepts."),
        }

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_done"].required = False
        self.fields["milestones_reached"].queryset = Milestone.objects.filter(task=self.instance.task_id)
        self.fields["milestones_reached"].required = False
        existing = {f.target_id: f.value for f in self.instance.figures.all()} if self.instance.pk else {}
        self.targets = list(targets)
        for target in self.targets:
            self.fields[f"figure_{target.pk}"] = forms.DecimalField(
                label=f"{target.indicator.name}（{target.unit or target.indicator.unit or '—'}）",
                required=False,
                max_digits=20,
                decimal_places=4,
                initial=existing.get(target.pk),
                help_text=f"{target.description} {target.value_display}".strip(),
            )

    def figure_fields(self):
        return [self[f"figure_{t.pk}"] for t in self.targets]

    def text_fields(self):
        return [self[name] for name in ("work_done", "figures_text", "problems", "next_steps")]

    def figures(self) -> dict:
        return {t.pk: self.cleaned_data.get(f"figure_{t.pk}") for t in self.targets}


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Attachment"),
        help_text=_("PDF, Word, Excel, PowerPoint, PNG or JPG; at most 20 MB per file, %(n)s files per report.")
        % {"n": uploads.MAX_FILES_PER_REPORT},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{e}" for e in uploads.ALLOWED_EXTENSIONS)}),
    )
