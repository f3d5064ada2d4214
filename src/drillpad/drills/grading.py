"""An answer to grade, read from the workspace when it is made and graded anywhere after: the grading itself touches
no database, so the window runs it in a worker (``Workspace.prepare_drill`` / ``prepare_prompt`` make one;
``submit_drill`` / ``answer_prompt`` record it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drillpad.core.cues import Synonyms

if TYPE_CHECKING:
    from drillpad.core.grader import Grade
    from drillpad.core.pack import Drill, Prompt


class _Grading:
    """An answer to grade, with what grading needs read when it is made (``prepare_drill``, ``prepare_prompt``):
    ``run()`` is the grading itself, touches no database, and so may run in a worker; then the workspace records it
    (``submit_drill`` or ``answer_prompt`` with ``graded=`` this)."""

    def __init__(self, learner_id: str, answer: str, synonyms: Synonyms):
        self.learner_id, self.answer, self._synonyms = learner_id, answer, synonyms
        self.grade: Grade | None = None

    def run(self) -> Grade:
        self.grade = self._grade()
        return self.grade

    def _grade(self) -> Grade:
        raise NotImplementedError


class DrillGrading(_Grading):
    """A drill answer to grade with the deterministic grader, together with the first attempt when this is a retry
    (a judge's second opinion is asked for in ``submit_drill``)."""

    def __init__(self, learner_id: str, drill: Drill, answer: str, first_answer: str | None, synonyms: Synonyms):
        super().__init__(learner_id, answer, synonyms)
        self.drill, self.first_answer = drill, first_answer

    def _grade(self) -> Grade:
        from drillpad.core.grader import grade, grade_retry

        return (grade(self.drill, self.answer, self._synonyms) if self.first_answer is None
                else grade_retry(self.drill, self.first_answer, self.answer, self._synonyms))


class PromptGrading(_Grading):
    """A recall answer to grade against the prompt's key points (the prompt as the pack model)."""

    def __init__(self, learner_id: str, prompt: dict[str, Any], model: Prompt, answer: str, synonyms: Synonyms):
        super().__init__(learner_id, answer, synonyms)
        self.prompt, self._model = prompt, model

    def _grade(self) -> Grade:
        from drillpad.core.grader import grade_prompt

        return grade_prompt(self._model, self.answer, self._synonyms)
