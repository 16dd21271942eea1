package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/consultation"
)

// maxUploadBytes bounds a posted multipart form: the attachments at their
// largest plus room for the text fields.
const maxUploadBytes = consultation.MaxAttachmentsPerVersion*consultation.MaxAttachmentSize + 4<<20

// versionFormData backs the new-version form.
type versionFormData struct {
	Decision consultation.Decision
	Previous *consultation.DraftVersion
	MaxFiles int
}

func (s *site) newVersionForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	p := s.newPage(r, "上传草案新版本")
	data := versionFormData{Decision: d, MaxFiles: consultation.MaxAttachmentsPerVersion}
	versions, err := s.allVersions(r, d.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if n := len(versions); n > 0 {
		// Start from the latest version: most new versions edit it.
		v, err := s.svc.Consultation.GetDraftVersion(r.Context(), currentAccount(r), d.ID, versions[n-1].Number)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data.Previous = &v
		p.Form["text"] = v.Text
		p.Form["explanation"] = v.Explanation
		p.Form["legal_basis"] = strings.Join(v.LegalBasis, "\n")
	}
	p.Data = data
	s.render(w, r, http.StatusOK, "staff_version_new", p)
}

// parseFormOrUpload reads a multipart form when upload is set, else a
// plain form.
func (s *site) parseFormOrUpload(w http.ResponseWriter, r *http.Request, upload bool) bool {
	if upload {
		return s.parseUpload(w, r)
	}
	return s.parseForm(w, r)
}

// parseUpload reads a multipart form, answering 413 when it is too large.
// net/http removes the form's temporary files after the handler returns.
func (s *site) parseUpload(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.renderError(w, r, http.StatusRequestEntityTooLarge, "提交内容过大", "上传的文件过大：每个附件不能超过20 MiB。")
			return false
		}
		if !errors.Is(err, http.ErrNotMultipart) {
			s.renderError(w, r, http.StatusBadRequest, "提交失败", "上传的内容不完整或格式不正确，请重试。")
			return false
		}
		if err := r.ParseForm(); err != nil {
			s.renderError(w, r, http.StatusBadRequest, "提交失败", "提交的内容格式不正确。")
			return false
		}
	}
	return true
}

// readAttachments reads the attachments field of an upload, answering 400
// when the files cannot be read.
func (s *site) readAttachments(w http.ResponseWriter, r *http.Request) ([]consultation.AttachmentInput, bool) {
	files, err := readFiles(r, "attachments", consultation.MaxAttachmentSize)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "提交失败", "无法读取上传的文件，请重试。")
		return nil, false
	}
	var in []consultation.AttachmentInput
	for _, f := range files {
		in = append(in, consultation.AttachmentInput{Filename: f.Filename, ContentType: f.ContentType, Data: f.Data})
	}
	return in, true
}

// askToReselect asks for the attachments again after a refusal: browsers
// never refill file inputs, so say so rather than lose them silently.
func askToReselect(p *page, sent []consultation.AttachmentInput) {
	if len(sent) > 0 {
		p.Errors["attachments"] = strings.TrimSpace(p.Errors["attachments"] + " 请重新选择要上传的附件。")
	}
}

// uploadedFile is one file of a multipart form.
type uploadedFile struct {
	Filename, ContentType string
	Data                  []byte
}

// readFiles reads the files posted under name, skipping empty file inputs.
// A file is read up to one byte past the service's limit so that the
// service, not the page, refuses it with its message.
func readFiles(r *http.Request, name string, limit int64) ([]uploadedFile, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []uploadedFile
	for _, fh := range r.MultipartForm.File[name] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		data, err := readPart(fh, limit+1)
		if err != nil {
			return nil, err
		}
		out = append(out, uploadedFile{Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// splitLines returns the non-empty lines of a textarea.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// foldIndexedErrors files errors of list fields (attachments[2].data) under
// the list's name so that they appear next to its input.
func foldIndexedErrors(p *page, names ...string) {
	for k, v := range p.Errors {
		for _, n := range names {
			if k != n && strings.HasPrefix(k, n+"[") {
				if p.Errors[n] == "" {
					p.Errors[n] = v
				}
				delete(p.Errors, k)
			}
		}
	}
}

func (s *site) createVersion(w http.ResponseWriter, r *http.Request) {
	id, ok := s.decisionID(w, r)
	if !ok || !s.parseUpload(w, r) {
		return
	}
	p := s.newPage(r, "上传草案新版本")
	p.keep(r, "text", "explanation", "legal_basis")
	in := consultation.DraftVersionInput{Text: p.Form["text"], Explanation: p.Form["explanation"], LegalBasis: splitLines(p.Form["legal_basis"])}
	if in.Attachments, ok = s.readAttachments(w, r); !ok {
		return
	}
	v, err := s.svc.Consultation.CreateDraftVersion(r.Context(), currentAccount(r), id, in)
	if err == nil {
		http.Redirect(w, r, staffURL(id, "?flash=version_created#version-"+strconv.Itoa(v.Number)), http.StatusSeeOther)
		return
	}
	d, status, ok := s.refusedDecisionForm(w, r, &p, err)
	if !ok {
		return
	}
	foldIndexedErrors(&p, "attachments")
	askToReselect(&p, in.Attachments)
	p.Data = versionFormData{Decision: d, MaxFiles: consultation.MaxAttachmentsPerVersion}
	s.render(w, r, status, "staff_version_new", p)
}

// compareData is the comparison of two versions.
type compareData struct {
	Decision   consultation.Decision
	Versions   []consultation.DraftVersion
	From, To   int
	Comparison *consultation.Comparison
}

func (s *site) compareVersions(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "比较草案版本")
	versions, err := s.allVersions(r, d.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := compareData{Decision: d, Versions: versions}
	q := r.URL.Query()
	data.From, _ = strconv.Atoi(q.Get("from"))
	data.To, _ = strconv.Atoi(q.Get("to"))
	if n := len(versions); data.From == 0 && data.To == 0 && n >= 2 {
		data.From, data.To = versions[n-2].Number, versions[n-1].Number
	}
	status := http.StatusOK
	if data.From > 0 && data.To > 0 {
		c, err := s.svc.Consultation.CompareDraftVersions(r.Context(), currentAccount(r), d.ID, data.From, data.To)
		if err != nil {
			status = s.formError(r, &p, err)
			if status != http.StatusNotFound {
				s.pageError(w, r, err)
				return
			}
		} else {
			data.Comparison = &c
		}
	}
	p.Data = data
	s.render(w, r, status, "staff_compare", p)
}
