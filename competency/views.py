"""The competency catalogue: the model as anyone may read it, without editing rights."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from competency.models import CareerStage, Competency, Track


def catalogue(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """A track's introduction, career stages, competencies, levels and indicators."""
    tracks = Track.objects.all()
    track = get_object_or_404(tracks, code=code) if code else tracks.first()
    context: dict[str, object] = {"tracks": tracks, "track": track}
    if track is not None:
        competencies = list(Competency.objects.filter(track=track).with_levels_and_indicators())
        context.update(
            intro_sections=track.intro_sections.all(),
            career_stages=CareerStage.objects.filter(track=track).prefetch_related(
                Prefetch("descriptors"), Prefetch("levels__competency")
            ),
            generic=[c for c in competencies if c.is_generic],
            professional=[c for c in competencies if not c.is_generic],
        )
    return render(request, "competency/catalogue.html", context)
